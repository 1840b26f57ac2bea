"""Forms for a member's own settings; members.services does the writing."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from proposals.web.forms import split_themes

from .models import User


class ProfileForm(forms.Form):
    """The profile a member writes. Their Slack id is not typed here: a verified flow links it."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How you’d like to be called. A nickname is fine."),
    )
    bio = forms.CharField(
        label=_("Self-introduction"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you do, what you care about, what you’d like to try. A line is enough."),
    )
    interests = forms.CharField(
        label=_("Interests"),
        max_length=700,
        required=False,
        help_text=_("Themes you care about, separated by commas."),
    )
    skills = forms.CharField(
        label=_("Skills"),
        max_length=300,
        required=False,
        help_text=_("Anything you could help with: writing, design, cooking, listening…"),
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("In your own words, e.g. “weekends, about 2 h a week”."),
    )
    preferred_language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [
            ("", _("Same as my browser")),
            *settings.LANGUAGES,
        ]

    @classmethod
    def for_user(cls, user: User, data=None) -> "ProfileForm":
        initial = {
            "display_name": user.display_name,
            "bio": user.bio,
            "interests": ", ".join(user.interests or []),
            "skills": user.skills,
            "availability": user.availability,
            "preferred_language": user.preferred_language,
        }
        return cls(data, initial=initial)

    @property
    def interest_names(self) -> list[str]:
        return split_themes(self.cleaned_data["interests"])


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        required=False,
        help_text=_("So you remember what it is for, e.g. “my script”."),
    )
