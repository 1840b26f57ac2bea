"""The application form (with its honeypot and its signed start time) and the moderators' forms."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from proposals.web.forms import theme_label, use_kind_errors

from ..models import CALL_MAX, FOUND_MAX, GUIDELINES_MAX, HOPES_MAX, MESSAGE_MAX, NAME_MAX

STARTED_SALT = "applications.form-started"
# A form open longer than this is sent again with a fresh start (a day: nobody is hurried).
STARTED_MAX_AGE = 24 * 3600
HONEYPOT = "website"


def started_stamp() -> str:
    return signing.dumps({"t": time.time()}, salt=STARTED_SALT)


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_(
            "We send a link to confirm it, and later your invitation. Nobody else sees it."
        ),
    )
    call_name = forms.CharField(
        label=_("What should we call you?"),
        max_length=CALL_MAX,
        help_text=_("A nickname is fine, e.g. “がんちゃん”."),
    )
    interests = forms.MultipleChoiceField(
        label=_("Themes you care about"),
        widget=forms.CheckboxSelectMultiple,
    )
    hopes = forms.CharField(
        label=_("What would you like to try or learn? (optional)"),
        max_length=HOPES_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    found_us = forms.CharField(
        label=_("How did you find us? (optional)"),
        max_length=FOUND_MAX,
        required=False,
        help_text=_("e.g. Twitter, a friend, an event."),
    )
    agree = forms.BooleanField(
        label=_("I have read the guidelines and agree to them."),
    )
    # Hidden from people (visually hidden, out of the tab order); robots fill it in.
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)
    started = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    counted = ("hopes",)

    def __init__(self, *args, themes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = [(name, theme_label(name)) for name in themes]
        # A community that has no suggested themes yet still takes applications.
        self.fields["interests"].required = bool(themes)
        use_kind_errors(self)
        self.fields["interests"].error_messages["required"] = _("Please choose at least one theme.")
        self.fields["agree"].error_messages["required"] = _(
            "Please read the guidelines and tick the box to agree."
        )
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        if not self.is_bound:
            self.initial["started"] = started_stamp()

    def refusal(self) -> str:
        """Why the form is not taken at all (a robot's marks), "" when it may be: the honeypot
        filled in, or sent sooner than APPLICATIONS_MIN_FILL_SECONDS after it was shown."""
        if (self.data.get(HONEYPOT) or "").strip():
            return str(
                _(
                    "We could not take this form. Please leave the field “Leave this empty” "
                    "empty, and send it again."
                )
            )
        try:
            started = signing.loads(
                self.data.get("started") or "", salt=STARTED_SALT, max_age=STARTED_MAX_AGE
            )["t"]
        except (signing.BadSignature, KeyError, TypeError):
            return str(
                _(
                    "This form was open for a long time, or did not come from our page. Please "
                    "check your answers and send it again."
                )
            )
        if time.time() - float(started) < settings.APPLICATIONS_MIN_FILL_SECONDS:
            return str(
                _(
                    "That was quicker than we expected! Please take a moment to check your "
                    "answers, then send the form again."
                )
            )
        return ""


class DecisionForm(forms.Form):
    text = forms.CharField(max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_kind_errors(self)


class GuidelinesForm(forms.Form):
    body_ja = forms.CharField(
        label=_("Guidelines in Japanese"),
        max_length=GUIDELINES_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, lists with “- ”, links."),
    )
    body_en = forms.CharField(
        label=_("Guidelines in English"),
        max_length=GUIDELINES_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Markdown: **bold**, lists with “- ”, links."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_kind_errors(self)
