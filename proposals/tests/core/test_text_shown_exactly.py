"""Whatever a member writes is shown as written to every viewer: nothing on a page is ever filled
into member text (the old page cache replaced a placeholder with each viewer's CSRF token)."""

import pytest
from django.utils.html import escape

from members.tests.factories import UserFactory
from proposals import services
from proposals.tests.factories import make_proposal

TRICKY = [
    "https://evil.example/?t=csrf-hole-7d1c0b9e",
    "<!--nav-badge-hole-7d1c0b9e-->",
    "{{ csrf_token }} {% csrf_token %}",
    "<script>alert(1)</script> & 'quotes' \"double\"",
]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", TRICKY)
def test_title_and_comment_are_shown_exactly_to_every_viewer(client, text):
    proposal = make_proposal(title=text[:120])
    services.comment_create(proposal=proposal, author=UserFactory(), body=f"`{text}`")
    pages = [f"/proposals/{proposal.pk}/", "/proposals/", "/"]
    for viewer in (UserFactory(), UserFactory(), proposal.proposer):
        client.force_login(viewer)
        for url in pages:
            assert escape(text[:120]) in client.get(url).content.decode(), url
        assert escape(text) in client.get(pages[0]).content.decode()  # the comment, as code


@pytest.mark.parametrize("text", TRICKY)
def test_team_names_roles_and_move_notes_are_shown_exactly_on_the_proposal_page(client, text):
    """The team and the timeline are written in Python (web/detail_html.py): escaped as
    `{{ value }}` escapes them, nothing filled in."""
    proposer = UserFactory(display_name=text[:50])
    proposal = make_proposal(proposer=proposer, roles=(text[:60],))
    helper = UserFactory(display_name=text[:50][::-1])
    joined = services.membership_request(proposal=proposal, user=helper, role=text[:60])
    services.membership_accept(membership=joined, by=proposer)
    services.proposal_transition(proposal=proposal, to="discussion", by=proposer, note=text)
    client.force_login(UserFactory())

    page = client.get(f"/proposals/{proposal.pk}/").content.decode()

    team = page[page.index('<ul class="team">') : page.index("</ul>", page.index('class="team"'))]
    assert escape(text[:50]) in team and escape(text[:50][::-1]) in team
    assert escape(text[:60]) in team  # the helper's role
    timeline = page[page.index('<ol class="timeline">') :]
    assert f"<q>{escape(text)}</q>" in timeline
