from django.db import models
from django.utils.translation import gettext_lazy as _


class TextKind(models.TextChoices):
    """The texts moderators write for visitors: what the community is, and the privacy page."""

    ABOUT = "about", _("What the community is")
    PRIVACY = "privacy", _("Privacy")


# The languages a community text is written in (settings.LANGUAGES' codes).
TEXT_LANGUAGES = ("ja", "en")
