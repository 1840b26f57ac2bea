"""Where "ask to join" leads.

The form to ask to join lives in the `applications` app (issue 16), at the view named
`applications:apply`. Where that app is not installed, the link goes to APPLY_PATH_FALLBACK, the
address that app serves, so the page never breaks; once it is, `reverse()` gives its address."""

from django.urls import NoReverseMatch, reverse

APPLY_VIEW = "applications:apply"
APPLY_PATH_FALLBACK = "/apply/"


def apply_url() -> str:
    try:
        return reverse(APPLY_VIEW)
    except NoReverseMatch:
        return APPLY_PATH_FALLBACK
