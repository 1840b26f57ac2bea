from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.web.forms import KindForm

from ..models import TEXT_MAX

MARKDOWN_HELP = _(
    "Markdown works: **bold**, lists, links, headings (##). Leave it empty to show the other "
    "language’s text (or, when both are empty, the default text)."
)


class CommunityTextForm(KindForm):
    body_ja = forms.CharField(
        label=_("In Japanese"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "ja"}),
        help_text=MARKDOWN_HELP,
    )
    body_en = forms.CharField(
        label=_("In English"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "lang": "en"}),
        help_text=MARKDOWN_HELP,
    )
