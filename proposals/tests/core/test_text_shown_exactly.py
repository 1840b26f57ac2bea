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
