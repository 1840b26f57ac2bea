"""The discussion as each person sees it (comments are written by proposals/web/comment_html.py)."""

import re

import pytest
from django.utils import timezone

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal

pytestmark = pytest.mark.django_db


def _comment(page: str, comment) -> str:
    return page.split(f'id="comment-{comment.pk}"', 1)[1].split("</article>", 1)[0]


@pytest.fixture
def discussion():
    proposal = make_proposal(status="discussion")
    author = UserFactory(display_name='<b>花</b> & "Hana"', username="hana.sato")
    comment = services.comment_create(proposal=proposal, author=author, body="**いいですね**")
    return proposal, author, comment


def test_the_author_sees_their_name_escaped_the_time_and_their_own_actions(client, discussion):
    proposal, author, comment = discussion
    client.force_login(author)
    page = client.get(proposal.get_absolute_url()).content.decode()
    html = _comment(page, comment)

    assert '<a href="/members/hana.sato/">&lt;b&gt;花&lt;/b&gt; &amp; &quot;Hana&quot;</a>' in html
    assert "<strong>いいですね</strong>" in html
    at = timezone.localtime(comment.created_at)
    assert f'datetime="{at.isoformat()}"' in html and at.isoformat().endswith("+09:00")
    assert f'<a href="/proposals/comments/{comment.pk}/edit/">Edit</a>' in html
    assert re.search(
        r'<form method="post" action="[^"]+delete[^"]*" class="inline">'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="\w+">',
        html,
    )
    assert "Hide" not in html  # a moderator's action


def test_another_member_sees_no_actions(client, discussion):
    proposal, _author, comment = discussion
    client.force_login(UserFactory())
    html = _comment(client.get(proposal.get_absolute_url()).content.decode(), comment)
    assert "comment-actions" not in html and "csrfmiddlewaretoken" not in html


def test_a_moderator_hides_it_and_then_sees_it_marked_with_a_way_back(client, discussion):
    proposal, _author, comment = discussion
    moderator = UserFactory(moderator=True)
    client.force_login(moderator)
    html = _comment(client.get(proposal.get_absolute_url()).content.decode(), comment)
    assert (
        '<input type="hidden" name="hidden" value="1"><button type="submit" class="link">Hide'
        in html
    )

    services.comment_set_hidden(comment=comment, hidden=True, by=moderator)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert f'<article class="comment hidden-comment" id="comment-{comment.pk}">' in page
    html = _comment(page, comment)
    assert '<span class="badge">Hidden by a moderator</span>' in html
    assert 'value="0"><button type="submit" class="link">Show again' in html


def test_in_japanese_the_actions_and_the_date_are_japanese(client, discussion):
    proposal, author, comment = discussion
    client.force_login(author)
    html = _comment(
        client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode(),
        comment,
    )
    assert "編集" in html and "削除" in html and "年" in html
