from applications import services, tokens
from applications.models import Application


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
    """An application whose applicant confirmed their address (through the service)."""
    application = make_application(**fields)
    return services.application_confirm(token=tokens.confirm_token(application))
