"""'Only the people on my teams' holds on every surface (issue 13): pages, API, Slack, emails and
suggestions. The rule (members.selectors.visible_members, ProfileVisibility): someone outside
her teams never finds her on the members page, never opens her profile and is never suggested
her; her name still shows where she takes part (her comments, her proposal, the team she is on, a
meetup she goes to), and what her profile says (introduction, interests, skills, availability,
email) shows nowhere to anyone outside her teams.

One world, and one test per surface, each reading everything that surface gives an outsider."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from meetups import services as meetup_services
from meetups.tests.factories import make_meetup
from members import suggestions
from members.models import ProfileVisibility
from members.tests.factories import UserFactory
from proposals import services
from proposals.errors import ActionConflict
from proposals.tests.api.conftest import ApiClient
from proposals.tests.factories import add_member, make_proposal
from slack_app.tests.signed import command_body, post
from workers import dispatch, relay
from workers import services as notify
from workers.events import EventKind
from workers.models import Delivery, SlackDmPreference

pytestmark = pytest.mark.django_db

NAME = "はなこ"
# An interest and a skill she shares with a proposal (its theme and role, which its pages show as
# the proposal's), and others that only her profile says.
THEME = "地域の見守り"
SKILL = "イラスト"
SECRETS = (
    "ひみつの自己紹介です",
    "ひみつの趣味",
    "ひみつの特技",
    "ひみつの時間帯",
    "hanako@example.org",
)


class World:
    def __init__(self):
        self.hanako = UserFactory(
            username="hanako",
            display_name=NAME,
            email="hanako@example.org",
            bio="ひみつの自己紹介です\n二行目",
            interests=[THEME, "ひみつの趣味"],
            skills=f"{SKILL}、ひみつの特技",
            availability="ひみつの時間帯",
            profile_visibility=ProfileVisibility.TEAM,
            slack_user_id="U0HANAKO",
        )
        # Someone outside her teams, who shares her interest (so a leak would show as 共通点).
        self.outsider = UserFactory(
            username="outsider", interests=[THEME], skills=SKILL, preferred_language="en"
        )
        self.teammate = UserFactory(username="teammate", preferred_language="en")
        # The team she is on; its proposer and the teammate see her profile.
        self.team = make_proposal(title="チームA", status="running")
        add_member(self.team, self.hanako)
        add_member(self.team, self.teammate)
        # A proposal whose themes and roles fit her exactly, which she comments on and cheers.
        self.fitting = make_proposal(
            title="ぴったりの提案", tags=[THEME], roles=(SKILL,), status="team_forming"
        )
        services.comment_create(proposal=self.fitting, author=self.hanako, body="応援してます")
        services.cheer_set(proposal=self.fitting, user=self.hanako, cheered=True)
        # Her own proposal, and a request to join another.
        self.hers = make_proposal(proposer=self.hanako, title="はなこの提案", tags=[THEME])
        self.asked = make_proposal(title="参加したい提案", status="team_forming")
        services.membership_request(
            proposal=self.asked, user=self.hanako, role="designer", availability="週末"
        )
        self.moderator = UserFactory(moderator=True, preferred_language="en")

    @property
    def proposals(self):
        return (self.team, self.fitting, self.hers, self.asked)


@pytest.fixture
def world() -> World:
    return World()


def assert_no_secrets(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked on {where}"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status, url
    return response.content.decode()


def profile(username: str) -> str:
    return reverse("members:profile", args=[username])


# --- the rule itself, seen from her teams (so the checks below can fail) ---------------------------


def test_her_teams_see_her_profile_and_find_her_on_the_members_page(client, world):
    for viewer in (world.teammate, world.team.proposer, world.hanako):
        client.force_login(viewer)
        assert "ひみつの自己紹介です" in page(client, profile("hanako"))
    client.force_login(world.teammate)
    directory = page(client, reverse("members:directory"))
    assert NAME in directory and "ひみつの特技" in directory


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("", ""),
        ("theme", "ひみつの趣味"),
        ("skill", "ひみつの特技"),
        ("availability", "ひみつの時間帯"),
        ("q", "はなこ"),
        ("q", "ひみつの自己紹介です"),
        ("new", "1"),
    ],
)
def test_the_members_page_never_lists_her_to_others(client, world, name, value):
    client.force_login(world.outsider)
    query = f"?{name}={value}" if name else ""
    html = page(client, reverse("members:directory") + query)
    if value:  # the filter's own box shows what was typed (or chosen); nothing else may
        html = html.replace(f'value="{value}"', "").replace(f">{value}</option>", ">")
    assert NAME not in html and profile("hanako") not in html
    assert_no_secrets(html, f"the members page{query}")


def test_her_profile_does_not_exist_for_others(client, world):
    for viewer in (world.outsider, world.fitting.proposer, world.asked.proposer):
        client.force_login(viewer)
        assert client.get(profile("hanako")).status_code == 404
    assert client.get(profile("nobody-at-all")).status_code == 404  # the same answer


def test_proposal_pages_show_her_name_where_she_takes_part_and_nothing_of_her_profile(
    client, world
):
    for viewer in (world.outsider, world.asked.proposer, world.moderator):
        client.force_login(viewer)
        for proposal in world.proposals:
            for url in (proposal.get_absolute_url(), proposal.get_absolute_url() + "?all=1"):
                assert_no_secrets(page(client, url), url)
        assert NAME in page(client, world.team.get_absolute_url())  # on the team
        assert NAME in page(client, world.hers.get_absolute_url())  # her proposal
        assert "応援してます" in page(client, world.fitting.get_absolute_url())  # her comment
        html = page(
            client,
            reverse("proposals:comments", args=[world.fitting.pk]) + "?before=999999",
        )
        assert NAME in html


def test_the_board_the_list_and_other_people_s_profiles_say_nothing_of_hers(client, world):
    client.force_login(world.outsider)
    urls = [
        reverse("proposals:board"),
        reverse("proposals:board") + f"?theme={THEME}",
        reverse("proposals:list"),
        reverse("proposals:list") + "?q=はなこ",
        reverse("meetups:list"),
        profile("teammate"),
        profile(world.team.proposer.username),
        profile("outsider"),
    ]
    for url in urls:
        assert_no_secrets(page(client, url), url)
    client.force_login(world.moderator)
    assert_no_secrets(page(client, reverse("insight:page")), "the figures' page")


def test_the_moderators_page_and_notifications_show_only_her_name(client, world):
    client.force_login(world.moderator)
    html = page(client, reverse("moderation:page"))
    assert NAME in html  # her join request waits for an answer
    assert_no_secrets(html, "the moderators' page")
    for viewer in (world.fitting.proposer, world.asked.proposer, world.outsider):
        client.force_login(viewer)
        html = page(client, reverse("workers:list"))
        assert_no_secrets(html, "notifications")


def test_a_meetup_shows_her_name_among_those_going_and_nothing_more(client, world):
    meetup = make_meetup(title="交流会")
    meetup_services.meetup_answer(meetup=meetup, user=world.hanako, answer="going")
    client.force_login(world.outsider)
    html = page(client, meetup.get_absolute_url())
    assert NAME in html
    assert_no_secrets(html, "the meetup page")


# --- suggestions and invitations ------------------------------------------------------------------


def test_she_is_never_suggested_nor_invited_out_of_the_blue(client, world):
    for proposal in (world.fitting, world.asked):
        people = suggestions.people_for_proposal(proposal=proposal)
        assert world.hanako.pk not in [person.member.pk for person in people]
    assert world.outsider.pk in [
        p.member.pk for p in suggestions.people_for_proposal(proposal=world.fitting)
    ]  # who shows their profile is suggested for the same fit
    client.force_login(world.fitting.proposer)
    html = page(client, world.fitting.get_absolute_url())
    helpers = html[
        html.index('id="helpers"') : html.index("</section>", html.index('id="helpers"'))
    ]
    assert NAME not in helpers
    with pytest.raises(ActionConflict):
        services.invitation_create(
            proposal=world.fitting, invitee=world.hanako, role=SKILL, by=world.fitting.proposer
        )


# --- the API -------------------------------------------------------------------------------------


def test_the_api_gives_others_her_name_where_she_takes_part_and_nothing_else(world):
    for viewer in (world.outsider, world.asked.proposer):
        api = ApiClient(viewer)
        answers = [api.get("/me"), api.get("/proposals"), api.get("/board")]
        for proposal in world.proposals:
            answers += [
                api.get(f"/proposals/{proposal.pk}"),
                api.get(f"/proposals/{proposal.pk}/comments"),
            ]
        for answer in answers:
            assert answer.status_code == 200
            text = json.dumps(answer.json(), ensure_ascii=False)
            assert_no_secrets(text, answer.request["PATH_INFO"])
    team = ApiClient(world.outsider).get(f"/proposals/{world.team.pk}").json()
    assert NAME in [member["person"]["display_name"] for member in team["members"]]
    me = ApiClient(world.hanako).get("/me").json()
    assert me["bio"].startswith("ひみつの自己紹介です")  # her own, to her


def test_the_figures_for_moderators_name_her_only(client, world):
    client.force_login(world.moderator)
    for kind in ("proposals", "transitions", "memberships", "meetups"):
        for fmt in ("csv", "json"):
            response = client.get(reverse("insight:export", args=[kind, fmt]))
            assert response.status_code == 200
            body = b"".join(
                response.streaming_content if response.streaming else [response.content]
            )
            assert_no_secrets(body.decode(), f"the {kind}.{fmt} export")


# --- Slack ---------------------------------------------------------------------------------------


def test_nothing_of_her_profile_reaches_slack(
    client, fake_slack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        world = World()
        notify.weekly_digest_record()
        # The proposer she asked gets comments by direct message too, and she comments there.
        proposer = world.asked.proposer
        type(proposer).objects.filter(pk=proposer.pk).update(slack_user_id="U0PROPOSER")
        SlackDmPreference.objects.create(user=proposer, kind=EventKind.COMMENTED, enabled=True)
        services.comment_create(proposal=world.asked, author=world.hanako, body="質問です")
    relay.run("C0MAIN")
    for delivery in Delivery.objects.filter(channel="slack_dm", status="pending"):
        dispatch.process(delivery.pk)
    assert fake_slack.direct_messages("U0PROPOSER")  # the direct message went out
    posted = json.dumps([call.body for call in fake_slack.calls], ensure_ascii=False)
    assert "はなこの提案" in posted  # her proposal's card went out
    assert "<@U0HANAKO>" in posted  # she is named (mentioned) where she takes part
    assert_no_secrets(posted, "Slack (cards, replies, the weekly digest, direct messages)")

    UserFactory(slack_user_id="U0OUT", preferred_language="en")
    for text in ("list", "help"):
        answer = post(client, "/slack/commands", command_body("U0OUT", text)).json()["text"]
        assert_no_secrets(answer, f"the {text} command")
    assert (
        world.fitting.title
        in post(client, "/slack/commands", command_body("U0OUT", "list")).json()["text"]
    )


# --- email -----------------------------------------------------------------------------------------


def test_emails_and_digests_name_her_and_say_nothing_of_her_profile(world):
    for delivery in Delivery.objects.filter(channel="email", status="pending"):
        dispatch.process(delivery.pk)
    for person in (world.outsider, world.fitting.proposer, world.asked.proposer, world.teammate):
        dispatch.digest_send(user_id=person.pk, day="2031-03-03")
    everything = [
        part
        for message in mail.outbox
        if "hanako@example.org" not in message.to
        for part in (message.subject, message.body, *(html for html, _type in message.alternatives))
    ]
    assert everything, "no email was sent to anyone but her"
    text = "\n".join(everything)
    assert NAME in text  # e.g. her join request, to the proposer
    assert_no_secrets(text, "email")
