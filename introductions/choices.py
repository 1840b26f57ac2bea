"""The introductions' words: how an introduction is made, what people answer a week later, and
the first questions an introduction suggests."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where an introduction is made: a Slack group DM when everyone in it is on Slack, else in
    the app and by email."""

    SLACK = "slack", _("A Slack group message")
    WEB = "web", _("In the app and by email")


class Answer(models.TextChoices):
    """ "Did you get to talk?" a week later. Each person answers for themselves."""

    YES = "yes", _("Yes, we talked")
    NOT_YET = "not_yet", _("Not yet")
    SKIP = "skip", _("Skip this time")


class MessageKind(models.TextChoices):
    """The Slack posts an introduction makes in its group DM, each sent once."""

    INTRODUCTION = "introduction", _("Introduction")
    FOLLOW_UP = "follow_up", _("Did you get to talk?")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# The first question an introduction suggests: about a theme both share, or, for people who
# share none yet, an open one. Stored by key, written in each reader's language.
THEME_QUESTIONS = {
    "theme_start": _("What got you interested in “%(theme)s”?"),
    "theme_weekend": _("If you had a free weekend for “%(theme)s”, what would you try first?"),
    "theme_nearby": _("Is there something about “%(theme)s” near you that you’d like to change?"),
}
OPEN_QUESTIONS = {
    "open_brought": _("What brought you to this community?"),
    "open_try": _("What’s something you’d like to try this year?"),
}


def question_text(key: str, theme: str = "") -> str:
    """The question in the active language; an unknown key reads as the first open question."""
    if key in THEME_QUESTIONS and theme:
        return str(THEME_QUESTIONS[key]) % {"theme": theme}
    return str(OPEN_QUESTIONS.get(key, OPEN_QUESTIONS["open_brought"]))
