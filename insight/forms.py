"""The period (and theme) the figures are for, read alike from the page's form and the API's query.

Days are inclusive on the form ("from 1 March to 31 March"); the selector's Period ends on the
first day not included."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .selectors import MAX_SPAN_DAYS, Period

PRESET_WEEKS = (4, 12, 26, 52)
DEFAULT_WEEKS = 12
# Far enough either way for any community; dates beyond would overflow the date arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
CUSTOM = "custom"


def _last_weeks(n: int) -> str:
    return ngettext("Last %(n)s week", "Last %(n)s weeks", n) % {"n": n}


last_weeks = lazy(_last_weeks, str)


class PeriodForm(forms.Form):
    weeks = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            *((str(n), last_weeks(n)) for n in PRESET_WEEKS),
            (CUSTOM, _("Chosen dates")),
        ],
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Please give a date like 2026-03-01.")},
    )
    end = forms.DateField(
        label=_("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Please give a date like 2026-03-31.")},
    )
    theme = forms.CharField(label=_("Theme"), required=False, max_length=40)

    def __init__(self, data=None, *, today: date | None = None, themes=(), **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["theme"].widget = forms.Select(
            choices=[("", _("All themes")), *((name, name) for name in themes)]
        )

    def clean_theme(self) -> str:
        raw = self.cleaned_data.get("theme") or ""
        return " ".join("".join(char for char in raw if char.isprintable()).split())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        custom = cleaned.get("weeks") == CUSTOM or start is not None or end is not None
        if not custom:
            weeks = int(cleaned.get("weeks") or DEFAULT_WEEKS)
            cleaned["start"] = self.today - timedelta(days=7 * weeks - 1)
            cleaned["end"] = self.today
            cleaned["weeks"] = str(weeks)
            return cleaned
        cleaned["weeks"] = CUSTOM
        if start is None or end is None:
            raise ValidationError(_("Please give both the first and the last day."))
        for name, day in (("start", start), ("end", end)):
            if not EARLIEST <= day <= LATEST:
                raise ValidationError(
                    {
                        name: _("Please choose a day between %(earliest)s and %(latest)s.")
                        % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}
                    }
                )
        if end < start:
            raise ValidationError(
                {"end": _("The last day comes before the first day. Please swap them.")}
            )
        if (end - start).days + 1 > MAX_SPAN_DAYS:
            raise ValidationError(
                {
                    "end": _(
                        "Please choose at most three years: longer periods are too slow to show."
                    )
                }
            )
        return cleaned

    @property
    def period(self) -> Period:
        """The period asked for (only after is_valid())."""
        data = self.cleaned_data
        return Period(start=data["start"], end=data["end"] + timedelta(days=1), theme=data["theme"])
