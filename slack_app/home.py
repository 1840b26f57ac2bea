"""The Slack App Home: `app_home_opened` marks the Home to be shown, and `home_view` is what a
Home's publisher (workers/home_sender.py) sends with `views.publish`, read now, in the reader's
language and time zone (the publisher makes them active)."""

from django.conf import settings
from django.urls import reverse

from members import home as member_home
from members import selectors as member_selectors
from members import services as member_services
from members.models import User
from workers import home as home_state

from . import home_blocks
from .events import SlackEvent

PROPOSAL_ID = 987654321  # reversed once, then its id is put in for each proposal


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def app_home_opened(slack_event: SlackEvent) -> None:
    """The Home tab opened (not the Messages tab): publish it with the current state, for a linked
    member or an invitation to connect. The event's fields are Slack's; anything else is ignored."""
    event = slack_event.event
    user = event.get("user")
    if event.get("tab") != "home" or not isinstance(user, str) or not user.isalnum():
        return
    if len(user) > 32:
        return
    home_state.home_refresh(slack_user_id=user)


def home_pressed(*, slack_user_id: str) -> None:
    """A button in the Home tab was pressed and its answer has no place to be shown: publish the
    Home with the current state (after commit, through its one publisher)."""
    home_state.home_refresh(slack_user_id=slack_user_id)


def _links(member: User) -> home_blocks.HomeLinks:
    proposal = _absolute(reverse("proposals:detail", args=[PROPOSAL_ID]))
    return home_blocks.HomeLinks(
        proposal=proposal.replace(str(PROPOSAL_ID), "{id}"),
        settings=_absolute(reverse("members:settings")),
        profile=_absolute(reverse("members:profile", args=[member.username])),
        looking=_absolute(reverse("proposals:board") + "?suited=1"),
    )


def home_view(*, slack_user_id: str, member: User | None) -> dict:
    """The Home this Slack user should see now."""
    if member is None:
        token = member_services.slack_link_token(
            team_id=settings.SLACK_TEAM_ID, slack_user_id=slack_user_id
        )
        url = _absolute(reverse("members:slack_connect", args=[token]))
        return home_blocks.connect_home(url=url)
    return home_blocks.member_home(member_home.member_home(member=member), links=_links(member))


def member_for(slack_user_id: str) -> User | None:
    return member_selectors.member_for_slack(slack_user_id=slack_user_id)
