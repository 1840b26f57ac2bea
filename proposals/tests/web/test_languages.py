"""Every page speaks Japanese (the default) and English (from the browser or the switcher)."""

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals import services
from proposals.choices import Status
from proposals.tests.factories import make_proposal, slack_origin

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese_by_default(settings):
    settings.LANGUAGE_CODE = "ja"


def _pages(member):
    proposal = make_proposal(proposer=member, status=Status.DISCUSSION)
    services.membership_request(proposal=proposal, user=UserFactory(), role="writer")
    return [
        (reverse("proposals:list"), "提案", "Proposals"),
        (reverse("proposals:create"), "アイデアを共有する", "Share an idea"),
        (proposal.get_absolute_url(), "次の一歩", "Next step"),
        (reverse("proposals:edit", args=[proposal.pk]), "提案を編集", "Edit the proposal"),
        (reverse("members:profile", args=[member.username]), "自己紹介", "Self-introduction"),
        (reverse("members:settings"), "個人用APIトークン", "Personal API tokens"),
    ]


def test_pages_are_japanese_by_default(client, japanese_by_default):
    member = UserFactory()
    client.force_login(member)
    for url, japanese, english in _pages(member):
        page = client.get(url).content.decode()
        assert '<html lang="ja">' in page, url
        assert japanese in page, url
        assert english not in page, url


def test_the_cards_words_written_in_python_are_japanese_too(client, japanese_by_default):
    """The board's and the list's cards are written in Python (card_html): their words, looked up
    there, are in the catalogue like the templates' (a card once said "by はなこ")."""
    sharer = UserFactory(display_name="はなこ")
    author = UserFactory(display_name="けんじ")
    proposal = make_proposal(proposer=sharer, title="防災マップ", status=Status.DISCUSSION)
    slack_origin(proposal, author=author, submitted_by=sharer)
    client.force_login(sharer)
    listing = client.get(reverse("proposals:list")).content.decode()
    assert "提案者：はなこ" in listing and "by はなこ" not in listing
    board = client.get("/").content.decode()
    assert "けんじさんのアイデア（本人の確認待ち）" in board
    assert "waiting for them to confirm" not in board


def test_pages_are_english_for_an_english_browser(client, japanese_by_default):
    member = UserFactory()
    client.force_login(member)
    for url, japanese, english in _pages(member):
        page = client.get(url, headers={"Accept-Language": "en"}).content.decode()
        assert '<html lang="en">' in page, url
        assert english in page, url
        assert japanese not in page, url


def test_the_switcher_changes_the_language(client, japanese_by_default):
    client.force_login(UserFactory())
    client.post(reverse("set_language"), {"language": "en", "next": "/proposals/"})
    assert "Share an idea" in client.get(reverse("proposals:list")).content.decode()
    client.post(reverse("set_language"), {"language": "ja", "next": "/proposals/"})
    assert "アイデアを共有する" in client.get(reverse("proposals:list")).content.decode()


def test_a_members_saved_language_wins_over_the_browser(client, japanese_by_default):
    client.force_login(UserFactory(preferred_language="en"))
    page = client.get(reverse("proposals:list"), headers={"Accept-Language": "ja"}).content.decode()
    assert "Share an idea" in page


def test_messages_and_errors_are_translated(client, japanese_by_default):
    member = UserFactory()
    client.force_login(member)
    proposal = make_proposal(proposer=member, status=Status.TEAM_FORMING)

    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "仲間募集中" in page
    assert "スタートには提案者を含めて2人以上の仲間が必要です" in page

    response = client.post(reverse("proposals:create"), {"title": "", "summary": ""})
    assert "まだ何も保存されていません" in response.content.decode()


def test_login_and_invitation_pages_in_both_languages(client, japanese_by_default, settings):
    settings.INVITE_ONLY = True
    assert "おかえりなさい" in client.get(reverse("account_login")).content.decode()
    assert "登録は招待制です" in client.get(reverse("account_signup")).content.decode()
    english = client.get(reverse("account_signup"), headers={"Accept-Language": "en"})
    assert "Sign-up is by invitation" in english.content.decode()
