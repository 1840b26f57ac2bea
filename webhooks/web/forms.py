"""The webhook form parses what a moderator typed; webhooks.services checks the address and saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.web.forms import KindForm

from ..kinds import kind_choices
from ..models import URL_MAX


class EndpointForm(KindForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What it is for, e.g. “Community dashboard”."),
    )
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=URL_MAX,
        help_text=_(
            "An https address on the public internet. Each event is sent there as a POST request "
            "with JSON, signed with the webhook’s secret."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=kind_choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].error_messages["required"] = _(
            "Please choose at least one kind of event."
        )

    @classmethod
    def for_endpoint(cls, endpoint) -> "EndpointForm":
        return cls(initial={"name": endpoint.name, "url": endpoint.url, "events": endpoint.events})
