from django.utils import timezone

from applications import services
from applications.models import Application, ApplicationStatus


def make_application(*, email: str = "hana@example.org", language: str = "en", **fields):
    return services.application_submit(
        name=fields.pop("name", "Hana Yamada"),
        email=email,
        call_name=fields.pop("call_name", "Hana"),
        interests=fields.pop("interests", ["福祉"]),
        hopes=fields.pop("hopes", ""),
        found_us=fields.pop("found_us", ""),
        language=language,
        agreed=True,
        ip=fields.pop("ip", "192.0.2.10"),
    )


def waiting_application(**fields) -> Application:
    application = make_application(**fields)
    Application.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.WAITING, confirmed_at=timezone.now()
    )
    application.refresh_from_db()
    return application
