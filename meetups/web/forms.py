"""Forms parse and check what a person typed; meetups.services decides and writes."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from proposals.models import Proposal
from proposals.web.forms import KindForm, theme_label
from proposals.wording import join_names, split_names

from ..choices import Answer, MeetupKind, Visibility
from ..models import CAPACITY_MAX, DESCRIPTION_MAX, PLACE_MAX, TITLE_MAX, Meetup
from ..services import MAX_HOSTS, MAX_THEMES

DATETIME_INPUT = "%Y-%m-%dT%H:%M"

REMINDER_CHOICES = [
    (7 * 24 * 60, _("1 week before")),
    (24 * 60, _("1 day before")),
    (3 * 60, _("3 hours before")),
    (60, _("1 hour before")),
    (15, _("15 minutes before")),
]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT, **kwargs)


class MeetupForm(KindForm):
    counted = ("title",)

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MeetupKind.choices, widget=forms.RadioSelect, initial="social"
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=LocalDateTimeInput(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
        help_text=_("In your time zone (%(zone)s)."),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=LocalDateTimeInput(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"],
    )
    description = forms.CharField(
        label=_("What it is about (optional)"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown works: **bold**, lists, links. Who is it for, what will you do?"),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=PLACE_MAX,
        required=False,
        help_text=_("Where people meet, if it is in person."),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Zoom, Meet or another link, if it is online."),
    )
    link_for_going_only = forms.BooleanField(
        label=_("Show the online link only to people who are going"), required=False
    )
    capacity = forms.IntegerField(
        label=_("Capacity (optional)"),
        min_value=1,
        max_value=CAPACITY_MAX,
        required=False,
        help_text=_("When it is full, more people can join a waiting list."),
    )
    co_hosts = forms.CharField(
        label=_("Other hosts (optional)"),
        max_length=800,
        required=False,
        help_text=_("Their user names, separated by commas."),
    )
    proposal = forms.ModelChoiceField(
        label=_("For a proposal (optional)"),
        queryset=Proposal.objects.none(),
        required=False,
        empty_label=_("Not for a proposal"),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        initial=Visibility.COMMUNITY,
    )
    is_public = forms.BooleanField(
        label=_("Show it to visitors on the public page"),
        required=False,
        help_text=_(
            "People outside the community see its title, kind and time, and are invited to ask "
            "to join. Never the place, the online link or who is going."
        ),
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "After the meetup, people who came are asked what they would like to try, "
            "with these themes filled in."
        ),
    )
    free_themes = forms.CharField(
        label=_("Other themes"),
        required=False,
        max_length=400,
        help_text=_("Separate them with commas."),
    )
    reminder_minutes = forms.TypedMultipleChoiceField(
        label=_("Reminders to people who are going (and to “maybe” who ask)"),
        choices=REMINDER_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        proposals,
        zone_name: str,
        suggested_themes: list[str],
        editing: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(name, theme_label(name)) for name in suggested_themes]
        if editing:
            self.fields["co_hosts"].label = _("Hosts")
            self.fields["co_hosts"].required = True
        self.fields["proposal"].queryset = proposals
        self.fields["starts_at"].help_text = self.fields["starts_at"].help_text % {
            "zone": zone_name
        }
        self.fields["online_url"].error_messages["invalid"] = _(
            "Please check the link, e.g. https://example.org/meeting."
        )
        for name in ("starts_at", "ends_at"):
            self.fields[name].error_messages["invalid"] = _(
                "Please enter a date and time, e.g. 2025-06-01 19:00."
            )

    @classmethod
    def for_meetup(cls, meetup: Meetup, **kwargs) -> "MeetupForm":
        hosts = [host.username for host in meetup.hosts.all()]
        initial = {
            "title": meetup.title,
            "kind": meetup.kind,
            "starts_at": meetup.starts_at,
            "ends_at": meetup.ends_at,
            "description": meetup.description,
            "place": meetup.place,
            "online_url": meetup.online_url,
            "link_for_going_only": meetup.link_for_going_only,
            "capacity": meetup.capacity,
            "co_hosts": join_names(hosts),
            "proposal": meetup.proposal_id,
            "visibility": meetup.visibility,
            "is_public": meetup.is_public,
            "reminder_minutes": meetup.reminder_minutes,
            "themes": list(meetup.themes or []),
        }
        return cls(initial=initial, **kwargs)

    def clean_co_hosts(self):
        names = split_names(self.cleaned_data["co_hosts"])
        if len(names) > MAX_HOSTS:
            raise ValidationError(_("At most %(n)d hosts, please.") % {"n": MAX_HOSTS})
        users = list(get_user_model().objects.filter(username__in=names, is_active=True))
        missing = sorted(set(names) - {user.username for user in users})
        if missing:
            raise ValidationError(
                _("We could not find these members: %(names)s") % {"names": join_names(missing)}
            )
        return users

    def clean_free_themes(self):
        return split_names(self.cleaned_data["free_themes"])

    def clean(self):
        cleaned = super().clean()
        themes = [*cleaned.get("themes", []), *cleaned.get("free_themes", [])]
        if len(dict.fromkeys(themes)) > MAX_THEMES:
            self.add_error("free_themes", _("At most %(n)d themes, please.") % {"n": MAX_THEMES})
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("Please choose an end after the start."))
        if cleaned.get("visibility") == Visibility.TEAM and not cleaned.get("proposal"):
            self.add_error(
                "visibility", _("Only a meetup for a proposal can be for its team only.")
            )
        if cleaned.get("is_public") and cleaned.get("visibility") == Visibility.TEAM:
            self.add_error("is_public", _("A meetup for its team only can’t be shown to visitors."))
        return cleaned

    @property
    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "description": data["description"],
            "place": data["place"],
            "online_url": data["online_url"],
            "link_for_going_only": data["link_for_going_only"],
            "capacity": data["capacity"],
            "visibility": data["visibility"],
            "is_public": data["is_public"],
            "reminder_minutes": data["reminder_minutes"],
            "themes": [*data["themes"], *data["free_themes"]],
        }


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices)
    # With "maybe": remind me too (people going always are).
    remind = forms.BooleanField(required=False)


class CancelForm(KindForm):
    note = forms.CharField(
        label=_("A word to the people who answered (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AttendanceForm(forms.Form):
    user = forms.IntegerField(min_value=1)
    attended = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no"), ("", "")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
    )


class MonthForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)
