"""Cached pages (incubator/fragments.py): fast on a repeat visit, never out of date, never another
member's. Each test fills the cache with a first visit, changes something, and looks again."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import MODERATORS_GROUP
from members.services import profile_update
from members.tests.factories import UserFactory
from proposals import services
from proposals.models import Comment, Proposal
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db

BOARD, LIST = reverse("proposals:board"), reverse("proposals:list")


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', html)
    )


def test_an_edited_comment_shows_on_the_next_visit(member_client, member):
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=member, body="最初の言葉")
    assert "最初の言葉" in _page(member_client, proposal.get_absolute_url())

    services.comment_update(comment=comment, by=member, body="書き直した言葉")

    html = _page(member_client, proposal.get_absolute_url())
    assert "書き直した言葉" in html and "最初の言葉" not in html


def test_a_new_name_shows_on_every_page(member_client):
    proposer = UserFactory(display_name="古い名前")
    proposal = make_proposal(proposer=proposer)
    pages = [BOARD, LIST, proposal.get_absolute_url()]
    assert all("古い名前" in _page(member_client, url) for url in pages)

    profile_update(user=proposer, display_name="新しい名前")

    for url in pages:
        html = _page(member_client, url)
        assert "新しい名前" in html and "古い名前" not in html, url


def test_every_viewer_gets_their_own_working_csrf_token():
    proposal = make_proposal()
    pages = {}
    for name in ("first", "second"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(UserFactory())
        html = _page(client, proposal.get_absolute_url())
        pages[name] = (client, html, _csrf_tokens(html))
    first_tokens, second_tokens = pages["first"][2], pages["second"][2]
    assert first_tokens and second_tokens
    assert "csrf-hole" not in pages["first"][1] + pages["second"][1]

    # A masked token differs on every response; what matters is that each one works for its own
    # member on a page that came out of the cache.
    client, html, tokens = pages["second"]
    url = reverse("proposals:comment_create", args=[proposal.pk])
    response = client.post(
        url, {"body": "キャッシュ越しのコメント", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code == 302
    assert Comment.objects.filter(body="キャッシュ越しのコメント").exists()


def test_a_new_moderator_sees_the_hide_button(member_client, member):
    proposal = make_proposal()
    services.comment_create(proposal=proposal, author=UserFactory(), body="ひとこと")
    assert ">Hide</button>" not in _page(member_client, proposal.get_absolute_url())

    member.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])

    assert ">Hide</button>" in _page(member_client, proposal.get_absolute_url())


def test_a_message_is_shown_once_on_a_cached_page(client):
    proposal = make_proposal()
    client.force_login(proposal.proposer)
    _page(client, proposal.get_absolute_url())

    response = client.post(
        reverse("proposals:transition", args=[proposal.pk]),
        {"to": "discussion", "seen_status": "idea"},
        follow=True,
    )
    assert "Moved to" in response.content.decode()
    assert "Moved to" not in _page(client, proposal.get_absolute_url())


def test_the_unread_badge_follows_new_and_read_notifications(client):
    proposal = make_proposal()
    client.force_login(proposal.proposer)
    assert 'class="badge"' not in _page(client, LIST)

    services.comment_create(proposal=proposal, author=UserFactory(), body="参加したいです")
    assert 'aria-label="1 unread">1</span>' in _page(client, LIST)

    client.post(reverse("workers:read_all"))
    assert 'class="badge"' not in _page(client, LIST)


def test_members_share_the_list_but_not_their_own_mine(client):
    mine = make_proposal(title="わたしの提案")
    theirs = make_proposal(title="あの人の提案")
    client.force_login(mine.proposer)
    everything = _page(client, LIST)
    own = _page(client, LIST + "?mine=on")

    client.force_login(theirs.proposer)
    assert _page(client, LIST).count("の提案</a>") == everything.count("の提案</a>") == 2
    their_own = _page(client, LIST + "?mine=on")
    assert "わたしの提案" in own and "あの人の提案" not in own
    assert "あの人の提案" in their_own and "わたしの提案" not in their_own


def test_a_deleted_proposal_is_gone_from_the_cached_pages(member_client):
    proposal = make_proposal(title="消える提案")
    url = proposal.get_absolute_url()
    assert "消える提案" in _page(member_client, BOARD)
    _page(member_client, url)

    Proposal.objects.filter(pk=proposal.pk).delete()

    assert member_client.get(url).status_code == 404
    assert "消える提案" not in _page(member_client, BOARD)


def test_time_in_a_stage_is_told_in_days(member_client):
    fresh = make_proposal(title="今日の提案")
    older = make_proposal(title="三日前の提案")
    Proposal.objects.filter(pk=older.pk).update(
        status_changed_at=timezone.now() - timedelta(days=3, hours=2)
    )
    services.follow_set(proposal=older, user=UserFactory(), following=True)  # any change

    board = _page(member_client, BOARD)
    assert "In this stage for less than a day" in board
    assert "In this stage for 3\xa0days" in board  # Django's timesince keeps "3 days" together
    assert "for less than a day" in _page(member_client, fresh.get_absolute_url())


def test_a_repeat_visit_reads_no_proposal_data(member_client, django_assert_max_num_queries):
    proposal = make_proposal()
    for number in range(5):
        services.comment_create(proposal=proposal, author=UserFactory(), body=f"コメント{number}")
    for url in (BOARD, LIST, proposal.get_absolute_url()):
        _page(member_client, url)
        # The session, the member and the content version; the unread count is cached too.
        with django_assert_max_num_queries(3):
            _page(member_client, url)


def test_after_a_new_comment_only_the_new_pieces_are_rendered(member_client, member, monkeypatch):
    from proposals import views

    rendered = []  # a spy: every piece is still rendered by the real function

    def render_to_string(name, context=None, *args, **kwargs):
        rendered.append(name)
        return real(name, context, *args, **kwargs)

    real = views.render_to_string
    monkeypatch.setattr(views, "render_to_string", render_to_string)
    proposal = make_proposal()
    for number in range(5):
        services.comment_create(proposal=proposal, author=UserFactory(), body=f"コメント{number}")
    _page(member_client, proposal.get_absolute_url())
    assert len(rendered) == 5 + 6  # five comments; "shared the idea" and five "commented"

    rendered.clear()
    services.comment_create(proposal=proposal, author=member, body="六つ目")
    html = _page(member_client, proposal.get_absolute_url())

    assert sorted(rendered) == [
        "proposals/detail.html#comment_body",
        "proposals/detail.html#timeline_entry",
    ]
    assert html.count('class="comment"') == 6 and "六つ目" in html


def test_a_comment_changed_behind_the_services_back_is_shown_as_it_is_now(member_client):
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="元の文")
    assert "元の文" in _page(member_client, proposal.get_absolute_url())

    # As the admin would: a save without `edited_at`; the piece is keyed on the text itself.
    comment.body_html = "<p>直した文</p>"
    comment.save()

    html = _page(member_client, proposal.get_absolute_url())
    assert "直した文" in html and "元の文" not in html


def _card(html: str, proposal) -> str:
    """One card of the board, up to the next card or the end of its column."""
    rest = html.split(f'id="card-{proposal.pk}"', 1)[1]
    return re.split(r'<li class="board-card|</ol>', rest, maxsplit=1)[0]


def test_board_cards_share_their_body_but_each_viewer_gets_their_own_moves(client):
    proposal = make_proposal(title="みんなの畑")
    other = UserFactory()
    client.force_login(other)
    theirs = _card(_page(client, BOARD), proposal)
    client.force_login(proposal.proposer)
    mine = _card(_page(client, BOARD), proposal)
    assert "みんなの畑" in theirs and "みんなの畑" in mine
    assert "Move to…" in mine and "Move to…" not in theirs

    services.cheer_set(proposal=proposal, user=other, cheered=True)

    assert "1 cheer<" in _card(_page(client, BOARD), proposal)
    client.force_login(other)
    assert "1 cheer<" in _card(_page(client, BOARD), proposal)


def test_a_members_second_device_can_move_cards_on_a_board_cached_by_the_first():
    proposal = make_proposal()
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for device in (laptop, phone):
        device.force_login(proposal.proposer)
    _page(laptop, BOARD)

    html = _page(phone, BOARD)  # the same member and version: served from the cache
    card = _card(html, proposal)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    response = phone.post(
        reverse("board:move", args=[proposal.pk]),
        {"csrfmiddlewaretoken": token, "from": "idea", "to": "discussion"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200 and response.json()["ok"]
