"""Forms parse and check what a person typed; the services decide and write."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..choices import Status
from ..commitments import MONTH_CHOICES, months_after
from ..models import BODY_MAX, COMMENT_MAX, NOTE_MAX, SUMMARY_MAX, TITLE_MAX
from ..services import MAX_ROLES, RoleInput
from ..wording import split_names

# A list typed by hand may be separated by 、 ， or , (and, for themes, # or new lines).
OTHER_ROLE = "__other__"

# The built-in themes are stored in Japanese (the community's language); the form names them in
# the reader's language and still sends the stored name.
THEME_LABELS = {
    "子ども・教育": _("Children & education"),
    "福祉": _("Welfare"),
    "地域づくり": _("Local community"),
    "環境": _("Environment"),
    "国際協力": _("International cooperation"),
    "防災": _("Disaster preparedness"),
    "IT・デジタル": _("IT & digital"),
    "ファンドレイジング": _("Fundraising"),
    "広報・デザイン": _("Outreach & design"),
    "学び合い": _("Learning together"),
}

# Django's stock messages ("This field is required.", "Ensure this value has at most…") read
# like a machine; these say the same gently, in every form of ours.
KIND_ERRORS = {
    "required": _("Please fill this in."),
    "max_length": _(
        "Please keep this to %(limit_value)d characters or fewer (it is %(show_value)d now)."
    ),
    "min_length": _("Please write at least %(limit_value)d characters."),
    "min_value": _("Please enter %(limit_value)s or more."),
    "max_value": _("Please enter %(limit_value)s or less."),
    "invalid_choice": _("Please choose one of the options."),
}
KIND_INVALID = {
    forms.IntegerField: _("Please enter a whole number, e.g. 2."),
    forms.EmailField: _("Please check the email address, e.g. name@example.org."),
}


def theme_label(name: str) -> str:
    """A theme as the reader should see it: a built-in one in their language, others as typed."""
    return str(THEME_LABELS.get(name, name))


def use_kind_errors(form: forms.BaseForm) -> None:
    """Give every field of `form` the gentle messages instead of Django's stock ones."""
    for field in form.fields.values():
        messages = dict(KIND_ERRORS)
        for field_class, text in KIND_INVALID.items():
            if isinstance(field, field_class):
                messages["invalid"] = text
        field.error_messages = {**field.error_messages, **messages}


class KindErrorsMixin:
    """For forms that are not ours to write (e.g. django-allauth's): the gentle messages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_kind_errors(self)


class KindForm(KindErrorsMixin, forms.Form):
    """A form whose errors speak kindly."""


def apply_service_errors(form: forms.Form, error: ValidationError, fields: dict[str, str]) -> None:
    """Show a service's ValidationError next to the matching field (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        field = fields.get(key, key)
        form.add_error(field if field in form.fields else None, messages)


class ProposalForm(KindForm):
    # Fields that show a live character count under them (static/js/app.js).
    counted = ("title", "summary")

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("A few words are enough."),
    )
    summary = forms.CharField(
        label=_("In one line"),
        max_length=SUMMARY_MAX,
        help_text=_("What would you like to try? One sentence is plenty."),
    )
    body = forms.CharField(
        label=_("What I want to try, and why (optional)"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown works: **bold**, lists, links. Write as much or as little as you like."
        ),
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    free_themes = forms.CharField(
        label=_("Other themes"),
        required=False,
        max_length=400,
        help_text=_("Separate them with commas."),
    )
    is_public = forms.BooleanField(
        label=_("Show it to visitors outside the community"),
        required=False,
        help_text=_(
            "Visitors outside the community can see the title, summary, stage and open roles on "
            "the public page, and are invited to ask to join. Never the rest of what you write, "
            "the discussion or the team. You can change this any time."
        ),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, suggested_themes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(name, theme_label(name)) for name in suggested_themes]

    @property
    def theme_names(self) -> list[str]:
        return [*self.cleaned_data["themes"], *split_names(self.cleaned_data["free_themes"])]

    def draft(self) -> "ProposalForm":
        """The same text, unchecked: shown again after Preview or "add another role"."""
        return ProposalForm(
            initial={name: self[name].value() for name in self.fields},
            suggested_themes=[value for value, _label in self.fields["themes"].choices],
        )


class RoleForm(KindForm):
    name = forms.CharField(label=_("Role"), max_length=60, required=False)
    # Left empty, a role wants one person.
    count = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=50, initial=1, required=False
    )
    pace = forms.CharField(label=_("Expected pace"), max_length=80, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. designer")
        self.fields["pace"].widget.attrs["placeholder"] = _("e.g. 2 h a week")

    def has_changed(self) -> bool:
        # An untouched row with only the default count is not a role.
        return bool(self.data.get(self.add_prefix("name"), "").strip())

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("name") and cleaned.get("pace"):
            self.add_error("name", _("Please name the role too."))
        return cleaned


class BaseRoleFormSet(forms.BaseFormSet):
    opened = False  # a row was just added: the section stays open

    @property
    def has_any(self) -> bool:
        """Whether any role is filled in (or was, before editing): the section starts open then."""
        named = any(str(row.get("name") or "").strip() for row in self.initial or [])
        typed = self.is_bound and any(form.has_changed() for form in self.forms)
        return self.opened or named or typed

    @property
    def can_add(self) -> bool:
        return self.total_form_count() < MAX_ROLES

    @property
    def roles(self) -> list[RoleInput]:
        return [
            RoleInput(
                name=form.cleaned_data["name"],
                count=form.cleaned_data.get("count") or 1,
                pace=form.cleaned_data.get("pace", ""),
            )
            for form in self.forms
            if form.cleaned_data.get("name")
        ]

    def draft(self, *, one_more: bool = False) -> "BaseRoleFormSet":
        """The rows as typed, unchecked (after Preview); with `one_more`, an empty row more."""
        rows = [{name: form[name].value() for name in form.fields} for form in self.forms]
        formset = type(self)(initial=rows)
        formset.extra = 1 if one_more else 0
        formset.opened = one_more
        return formset


# One empty row to start with; "add another role" adds more, up to MAX_ROLES.
RoleFormSet = forms.formset_factory(
    RoleForm, formset=BaseRoleFormSet, extra=1, max_num=MAX_ROLES, absolute_max=MAX_ROLES
)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=BODY_MAX)


class TransitionForm(KindForm):
    to = forms.ChoiceField(choices=Status.choices)
    seen_status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


UNTIL_DATE = "date"


class UntilForm(KindForm):
    """How long someone offers their time: no end (the default), about 1, 3 or 6 months from
    `base` (today; when continuing, the end planned so far), or a day they choose. The service
    checks the day (proposals.commitments.check_until); its errors go under `until_date`."""

    until_choice = forms.ChoiceField(
        label=_("For how long?"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Only if you like. A week before the end we ask, gently, whether to continue or to "
            "finish with thanks."
        ),
    )
    until_date = forms.DateField(
        label=_("Until this day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Please give a date, e.g. 2030-04-30.")},
    )
    # The service's "until" errors belong under the date.
    service_fields = {"until": "until_date"}

    def __init__(self, *args, base: date | None = None, no_end_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        base = base or timezone.localdate()
        months = [
            (
                str(count),
                ngettext(
                    "About %(count)d month (until %(day)s)",
                    "About %(count)d months (until %(day)s)",
                    count,
                )
                % {
                    "count": count,
                    "day": formats.date_format(months_after(base, count), "DATE_FORMAT"),
                },
            )
            for count in MONTH_CHOICES
        ]
        self.fields["until_choice"].choices = [
            ("", no_end_label or _("No end date")),
            *months,
            (UNTIL_DATE, _("Until a day I choose")),
        ]
        self.base = base

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("until_choice") or ""
        day = cleaned.get("until_date")
        if choice.isdigit():
            cleaned["until"] = months_after(self.base, int(choice))
        elif choice == UNTIL_DATE or day:
            # A day typed in counts even if the choice above was left as it was.
            cleaned["until"] = day
            if day is None and "until_date" not in self.errors:
                self.add_error("until_date", _("Please choose the day."))
        else:
            cleaned["until"] = None
        return cleaned


class JoinForm(UntilForm):
    role_choice = forms.ChoiceField(label=_("Role"), required=False)
    role_other = forms.CharField(
        label=_("Or in your own words"),
        max_length=60,
        required=False,
        help_text=_("Any way of helping is welcome."),
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("In your own words, e.g. “weekends, about 2 h a week”."),
    )
    message = forms.CharField(
        label=_("A message to the proposer (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, role_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_choice"].choices = [
            *[(name, name) for name in role_names],
            (OTHER_ROLE, _("Something else (write it below)")),
        ]

    def clean(self):
        cleaned = super().clean()
        other = (cleaned.get("role_other") or "").strip()
        choice = cleaned.get("role_choice")
        cleaned["role"] = other if other or choice == OTHER_ROLE else choice
        if not cleaned["role"]:
            self.add_error("role_other", _("Which role would you like to take?"))
        return cleaned


class DecisionForm(KindForm):
    response = forms.CharField(
        label=_("A few words (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(KindForm):
    counted = ("body",)

    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown works. Questions, ideas and “I could help with…” are all welcome."),
    )


class ListFilterForm(forms.Form):
    """The list's own filter, the stage. The others are the board's (selectors.BoardFilters: theme,
    q, mine, looking, interests), by the same names, so a link works on both pages."""

    status = forms.ChoiceField(label=_("Stage"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All stages")), *Status.choices]

    @property
    def stage(self) -> str | None:
        self.is_valid()  # an unknown stage is dropped; the other filters still apply
        return self.cleaned_data.get("status") or None

    def board_params(self) -> dict[str, str]:
        """The board's filters as given; `tag` is the theme's older name (links from a proposal's
        and a member's themes use it)."""
        names = ("theme", "q", "mine", "looking", "interests")
        params = {name: self.data.get(name) or "" for name in names}
        params["theme"] = params["theme"] or self.data.get("tag") or ""
        return params


class CommitmentForm(UntilForm):
    """Continue: a new end (the same choices as when joining), counted from the end planned so
    far. `seen_until` is the end the page showed, so an answer given twice changes nothing."""

    seen_until = forms.DateField(required=False, widget=forms.HiddenInput)
