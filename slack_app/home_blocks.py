"""The Slack App Home tab, as pure functions of data (`views.publish`'s `view`).

Like every builder in slack_app.blocks: member text is escaped in every field Slack parses, each
text keeps within its Block Kit limit, and the words are in the language the caller activated
(the reader's; dates in their time zone). A Home holds at most 100 blocks: each list is capped
(members.home) and links to the web for the rest. Empty sections say so kindly.
"""

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from members.home import Capped, HomeMembership, MemberHome

from .blocks import (
    HEADER_MAX,
    SECTION_MAX,
    _button,
    _link,
    _mrkdwn,
    _plain,
    escape,
    stage_label,
)

HOME_BLOCKS_MAX = 100

# The Home's own buttons (Accept / Decline are the join request's: handlers.membership_accept).
SHARE_IDEA = "home_share_idea"
PAUSE_NOTIFICATIONS = "home_pause_notifications"
RESUME_NOTIFICATIONS = "home_resume_notifications"
OPEN_SETTINGS = "home_open_settings"
CONNECT = "home_connect"


@dataclass(frozen=True)
class HomeLinks:
    """Our pages the Home links to (absolute), by proposal id for the lists."""

    proposal: str  # with "{id}" for the proposal's id
    settings: str
    profile: str  # the member's own profile: all their proposals and teams
    looking: str  # the proposals looking for people

    def of(self, proposal_id: int) -> str:
        return self.proposal.replace("{id}", str(proposal_id))


def _home(blocks: list[dict]) -> dict:
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS_MAX]}


def _header(text: str) -> dict:
    return {"type": "header", "text": _plain(text, HEADER_MAX)}


def _section(text: str) -> dict:
    return {"type": "section", "text": _mrkdwn(text, SECTION_MAX)}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [_mrkdwn(text, SECTION_MAX)]}


def _more(capped: Capped, url: str) -> list[dict]:
    if not capped.more:
        return []
    return [_context(_link(url, _("See them all on the web")))]


def _request_line(item: HomeMembership, links: HomeLinks) -> str:
    line = _("*%(name)s* would like to join %(proposal)s as %(role)s.") % {
        "name": escape(item.person),
        "proposal": _link(links.of(item.proposal_id), item.title),
        "role": escape(item.role),
    }
    if item.message:
        line += "\n> " + escape(item.message).replace("\n", "\n> ")
    return line


def _list(
    title: str, capped: Capped, line, empty: str, more_url: str, links: HomeLinks
) -> list[dict]:
    blocks = [{"type": "divider"}, _header(title)]
    if not capped.items:
        return [*blocks, _context(empty)]
    blocks += [_section(line(item, links)) for item in capped.items]
    return blocks + _more(capped, more_url)


def _proposal_line(item, links: HomeLinks) -> str:
    return f"{_link(links.of(item.proposal_id), item.title)} · {stage_label(item.status)}"


def _team_line(item: HomeMembership, links: HomeLinks) -> str:
    return (
        f"{_link(links.of(item.proposal_id), item.title)} · {escape(item.role)}"
        f" · {stage_label(item.status)}"
    )


def _my_request_line(item: HomeMembership, links: HomeLinks) -> str:
    return _("%(proposal)s as %(role)s: waiting for the team's answer.") % {
        "proposal": _link(links.of(item.proposal_id), item.title),
        "role": escape(item.role),
    }


def member_home(data: MemberHome, *, links: HomeLinks) -> dict:
    """A linked member's Home: a greeting and the buttons, then their proposals, their teams, the
    requests waiting for their answer (Accept / Decline), their own requests, and teams looking
    for someone like them."""
    if data.paused_until is not None:
        until = formats.date_format(timezone.localtime(data.paused_until), "DATE_FORMAT")
        pause = _button(_("Resume notifications"), RESUME_NOTIFICATIONS, value="resume")
        quiet = [
            _context(
                _("Notifications are paused until %(date)s. They still arrive in the app.")
                % {"date": until}
            )
        ]
    else:
        pause = _button(_("Pause notifications for a week"), PAUSE_NOTIFICATIONS, value="pause")
        quiet = []
    blocks = [
        _header(_("Hello, %(name)s") % {"name": escape(data.name)}),
        {
            "type": "actions",
            "elements": [
                {**_button(_("Share an idea"), SHARE_IDEA, value="idea"), "style": "primary"},
                pause,
                _button(_("Open settings"), OPEN_SETTINGS, url=links.settings),
            ],
        },
        *quiet,
    ]
    blocks += _list(
        _("Your proposals"),
        data.proposals,
        _proposal_line,
        _("No proposals yet. Whenever an idea comes to you, “Share an idea” is right here."),
        links.profile,
        links,
    )
    blocks += _list(
        _("Teams you are in"),
        data.teams,
        _team_line,
        _("You're not on a team yet, and that's fine. Have a look when it suits you."),
        links.profile,
        links,
    )
    blocks += [{"type": "divider"}, _header(_("Waiting for your answer"))]
    if not data.to_answer.items:
        blocks.append(_context(_("Nothing is waiting for you.")))
    for item in data.to_answer.items:
        value = str(item.membership_id)
        blocks += [
            _section(_request_line(item, links)),
            {
                "type": "actions",
                "block_id": f"m{item.membership_id}",
                "elements": [
                    {**_button(_("Accept"), "membership_accept", value=value), "style": "primary"},
                    _button(_("Decline"), "membership_decline", value=value),
                ],
            },
        ]
    blocks += _more(data.to_answer, links.profile)
    blocks += _list(
        _("Your requests to join"),
        data.my_requests,
        _my_request_line,
        _("No requests waiting."),
        links.profile,
        links,
    )
    blocks += [{"type": "divider"}, _header(_("Teams looking for someone like you"))]
    if not data.suggested:
        blocks.append(
            _context(
                _(
                    "Nothing that fits right now. Adding interests and skills in settings "
                    "helps us find a team for you."
                )
            )
        )
    for found in data.suggested:
        blocks.append(
            _section(f"{_link(links.of(found.proposal_id), found.title)}\n{escape(found.why)}")
        )
    if data.suggested:
        blocks.append(_context(_link(links.looking, _("More teams looking for people"))))
    return _home(blocks)


def connect_home(*, url: str) -> dict:
    """Someone whose Slack account is not linked: a kind invitation to connect it (the link only
    they receive)."""
    return _home(
        [
            _header(_("Welcome to incubator")),
            _section(
                _(
                    "Here you'll see your proposals, your teams and the requests waiting for "
                    "you. Connect your Slack account to your incubator account to get started."
                )
            ),
            {
                "type": "actions",
                "elements": [
                    {
                        **_button(_("Connect my account"), CONNECT, url=url),
                        "style": "primary",
                    }
                ],
            },
        ]
    )
