"""Forms for a member's own settings and account; members.services does the writing."""

from datetime import datetime
from zoneinfo import ZoneInfo

from allauth.account import forms as account_forms
from allauth.core import context
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from applications import invitations
from proposals.choices import SUGGESTED_THEMES
from proposals.web.forms import KindErrorsMixin, KindForm
from proposals.wording import join_names, split_names

from .models import Introductions, ProfileVisibility, User, known_time_zones

# The zones offered first (the community's own at the top); the member's saved zone is added when
# it is another one. The service takes any zone the machine knows.
COMMON_TIME_ZONES = [
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Manila",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Africa/Nairobi",
    "UTC",
]


def time_zone_label(name: str, *, now: datetime | None = None) -> str:
    """A zone as the select shows it, "(UTC+09:00) Asia/Tokyo": the offset is today's (it moves
    with daylight saving)."""
    offset = timezone.localtime(now or timezone.now(), ZoneInfo(name)).strftime("%z")
    return f"(UTC{offset[:3]}:{offset[3:]}) {name}"


def time_zone_choices(*, saved: str = "") -> list[tuple[str, str]]:
    names = [name for name in COMMON_TIME_ZONES if name in known_time_zones()]
    if saved and saved not in names and saved in known_time_zones():
        names.append(saved)
    return [
        ("", _("The community’s time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}),
        *((name, time_zone_label(name)) for name in names),
    ]


def introductions_every() -> str:
    """The "yes" of the introductions' choice, saying how often (settings.INTRODUCTIONS_EVERY_DAYS)."""
    days = settings.INTRODUCTIONS_EVERY_DAYS
    if days % 7 == 0:
        weeks = days // 7
        return ngettext(
            "Yes, introduce me to someone every week",
            "Yes, introduce me to someone every %(count)d weeks",
            weeks,
        ) % {"count": weeks}
    return ngettext(
        "Yes, introduce me to someone every day",
        "Yes, introduce me to someone every %(count)d days",
        days,
    ) % {"count": days}


class ProfileForm(KindForm):
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
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Meetup times are shown in this zone, and times you type are read in it."),
    )
    profile_visibility = forms.ChoiceField(
        label=_("Who sees my profile"),
        choices=ProfileVisibility.choices,
        widget=forms.RadioSelect,
        required=False,  # not sent: the saved choice stays
        help_text=_(
            "With “only the people on my teams”, you are not listed on the members page and "
            "others can’t open your profile. Your name still shows where you take part, e.g. "
            "on your comments, your proposals and the teams you are on."
        ),
    )
    open_to_suggestions = forms.BooleanField(
        label=_("Suggest me to proposers who might need someone like me"),
        required=False,
        help_text=_(
            "Proposers may see you among people who might like to help, and invite you. "
            "You can always say “not now”."
        ),
    )

    show_name_to_visitors = forms.BooleanField(
        label=_("Show my name to visitors"),
        required=False,
        help_text=_(
            "On the public page, a proposal you share with visitors names you. Without this, "
            "visitors read “a member”. Only while the community can see your profile."
        ),
    )

    introductions = forms.ChoiceField(
        label=_("Introductions"),
        choices=Introductions.choices,
        widget=forms.RadioSelect,
        required=False,  # not sent: the saved choice stays
        help_text=_(
            "We introduce two people who share an interest (three when the count is odd), "
            "never the same two twice in a year: in a Slack group message when you are both on "
            "Slack, else here and by email, where the people you meet see your email address. "
            "Only people whose profile the community can see are introduced. Pause any time."
        ),
    )

    PRIVACY_FIELDS = (
        "profile_visibility",
        "open_to_suggestions",
        "show_name_to_visitors",
        "introductions",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = [
            ("", _("Same as my browser")),
            *settings.LANGUAGES,
        ]
        saved = self.initial.get("time_zone", "")
        self.fields["time_zone"].choices = time_zone_choices(saved=saved)
        self.fields["introductions"].choices = [
            (value, introductions_every() if value == Introductions.ON else label)
            for value, label in Introductions.choices
        ]

    @classmethod
    def for_user(cls, user: User, data=None) -> "ProfileForm":
        initial = {
            "display_name": user.display_name,
            "bio": user.bio,
            "interests": join_names(user.interests or []),
            "skills": user.skills,
            "availability": user.availability,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
            "profile_visibility": user.profile_visibility,
            "open_to_suggestions": user.open_to_suggestions,
            "show_name_to_visitors": user.show_name_to_visitors,
            "introductions": user.introductions,
        }
        return cls(data, initial=initial)

    @property
    def profile_fields(self) -> list:
        return [field for field in self if field.name not in self.PRIVACY_FIELDS]

    @property
    def interest_names(self) -> list[str]:
        return split_names(self.cleaned_data["interests"])


class ApiTokenForm(KindForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        required=False,
        help_text=_("So you remember what it is for, e.g. “my script”."),
    )


class _AccountForm(KindErrorsMixin):
    """django-allauth's forms in the community's words: our labels and help, kind errors, and no
    placeholder repeating the label."""

    labels: dict = {}
    helps: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if name in self.helps:
                field.help_text = self.helps[name]


NEW_PASSWORD_HELP = _("At least 8 characters. Not too common, and not only numbers.")


class LoginForm(_AccountForm, account_forms.LoginForm):
    labels = {
        "login": _("Username or email address"),
        "password": _("Password"),
        "remember": _("Stay logged in on this device"),
    }
    helps = {"password": ""}  # the page links "Forgot your password?" under the form


class SignupForm(_AccountForm, account_forms.SignupForm):
    labels = {
        "email": _("Email address"),
        "username": _("Username"),
        "password1": _("Password"),
        "password2": _("The password once more"),
    }
    helps = {
        "email": _(
            "For messages from the community and a forgotten password. Other members don’t see it."
        ),
        "username": _("Shown on your profile page. You can add a display name later."),
        "password1": NEW_PASSWORD_HELP,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An applicant's invitation is for one address (members.adapters holds it): shown fixed.
        invited = invitations.pending(context.request)
        if invited is not None:
            self.fields["email"].initial = invited.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = _(
                "Your invitation is for this address. Other members don’t see it."
            )


class ResetPasswordForm(_AccountForm, account_forms.ResetPasswordForm):
    labels = {"email": _("Email address")}


class ResetPasswordKeyForm(_AccountForm, account_forms.ResetPasswordKeyForm):
    labels = {"password1": _("New password"), "password2": _("The new password once more")}
    helps = {"password1": NEW_PASSWORD_HELP}


class ChangePasswordForm(_AccountForm, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": _("Current password"),
        "password1": _("New password"),
        "password2": _("The new password once more"),
    }
    helps = {"oldpassword": "", "password1": NEW_PASSWORD_HELP}


class SetPasswordForm(_AccountForm, account_forms.SetPasswordForm):
    labels = {"password1": _("Password"), "password2": _("The password once more")}
    helps = {"password1": NEW_PASSWORD_HELP}


class AddEmailForm(_AccountForm, account_forms.AddEmailForm):
    labels = {"email": _("Email address")}


class OnboardingForm(KindForm):
    """One step of the first steps after sign-up: only that step's field is sent and saved."""

    display_name = ProfileForm.base_fields["display_name"]
    bio = ProfileForm.base_fields["bio"]
    themes = forms.MultipleChoiceField(
        label=_("Themes you care about"),
        choices=[(theme, theme) for theme in SUGGESTED_THEMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick any that speak to you. None is fine too."),
    )
    interests = forms.CharField(
        label=_("Other interests"),
        max_length=700,
        required=False,
        help_text=_("Anything else, separated by commas."),
    )
    availability = ProfileForm.base_fields["availability"]
    share_introduction = forms.BooleanField(
        label=_("Post my introduction to Slack"),
        required=False,
        help_text=_(
            "Once, to the community’s introductions channel, so people can say hello. "
            "Off unless you tick it."
        ),
    )

    FIELDS_OF_STEP = {
        "name": ("display_name",),
        "introduction": ("bio", "share_introduction"),
        "interests": ("themes", "interests"),
        "availability": ("availability",),
    }

    def __init__(self, *args, step: str, offer_slack: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(self.FIELDS_OF_STEP[step])
        if not offer_slack:
            keep.discard("share_introduction")
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @classmethod
    def for_step(cls, user: User, step: str, *, offer_slack: bool, data=None) -> "OnboardingForm":
        saved = list(user.interests or [])
        initial = {
            "display_name": user.display_name,
            "bio": user.bio,
            "themes": [theme for theme in saved if theme in SUGGESTED_THEMES],
            "interests": join_names([theme for theme in saved if theme not in SUGGESTED_THEMES]),
            "availability": user.availability,
        }
        return cls(data, initial=initial, step=step, offer_slack=offer_slack)

    @property
    def interest_names(self) -> list[str]:
        """The ticked themes, then the others typed (each once)."""
        return [*self.cleaned_data.get("themes", []), *split_names(self.cleaned_data["interests"])]


class AccountDeleteForm(KindForm):
    confirmation = forms.CharField(
        label=_("Your username, to confirm"),
        max_length=150,
        required=True,
        help_text=_("Type it exactly as it is shown above."),
    )
