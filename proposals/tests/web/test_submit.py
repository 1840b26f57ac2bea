"""The submission form: a low threshold, one proposal per click, bad input never saved."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from members.tests.factories import UserFactory
from proposals.models import Proposal, Tag
from proposals.tests.factories import make_proposal

from .conftest import form_data

pytestmark = pytest.mark.django_db

CREATE = reverse("proposals:create")


def test_the_form_asks_only_for_a_title_and_one_line(member_client):
    response = member_client.get(CREATE)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="title"' in page and 'name="summary"' in page
    assert 'name="submission_key"' in page
    assert "data-submit-once" in page


def test_minimal_submission_creates_an_idea(member_client, member):
    response = member_client.post(
        CREATE, form_data(title="朝の読書会", summary="月1回、本を読む会")
    )

    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response.url == proposal.get_absolute_url()
    assert (proposal.title, proposal.summary, proposal.proposer) == (
        "朝の読書会",
        "月1回、本を読む会",
        member,
    )
    assert proposal.status == "idea"
    page = member_client.get(response.url).content.decode()
    assert "朝の読書会" in page and "Your idea is posted" in page


def test_full_submission_keeps_body_roles_and_themes(member_client):
    Tag.objects.update_or_create(name="福祉", defaults={"suggested": True})
    Tag.objects.update_or_create(name="環境", defaults={"suggested": True})
    data = form_data(
        title="フードバンクの仕分け",
        summary="週末に食品の仕分けを手伝う",
        body="## なぜ\n\n**もったいない**を減らしたい",
        themes=["福祉"],
        free_themes="食品ロス、 地域",
        **{
            "form-0-name": "運転",
            "form-0-count": "2",
            "form-0-pace": "月1回",
            "form-1-name": "広報",
            "form-1-count": "1",
        },
    )

    member_client.post(CREATE, data)

    proposal = Proposal.objects.get()
    assert "<strong>もったいない</strong>" in proposal.body_html
    assert sorted(t.name for t in proposal.tags.all()) == sorted(["福祉", "食品ロス", "地域"])
    roles = {(r.name, r.count, r.pace) for r in proposal.roles_wanted.all()}
    assert roles == {("運転", 2, "月1回"), ("広報", 1, "")}
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert "運転" in page and "食品ロス" in page and "<h2>なぜ</h2>" in page


def test_a_double_click_creates_one_proposal(member_client):
    data = form_data(title="二度押し", summary="一回だけ", submission_key="3f1c0d8e9a7b4c2d")

    first = member_client.post(CREATE, data)
    second = member_client.post(CREATE, data)

    assert Proposal.objects.count() == 1
    assert first.url == second.url == Proposal.objects.get().get_absolute_url()


def test_each_form_gets_its_own_key(member_client):
    first = member_client.get(CREATE).context["form"].initial["submission_key"]
    second = member_client.get(CREATE).context["form"].initial["submission_key"]
    assert first and second and first != second


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"title": "", "summary": ""}, "title"),
        ({"title": "   ", "summary": "ok"}, "title"),
        ({"title": "t" * 121, "summary": "ok"}, "title"),
        ({"title": "ok", "summary": "s" * 281}, "summary"),
        ({"title": "ok", "summary": "ok", "body": "b" * 20_001}, "body"),
        ({"title": "ok", "summary": "ok", "free_themes": "x" * 41}, "free_themes"),
        ({"title": "ok", "summary": "ok", "form-0-name": "proposer"}, "__all__"),
        ({"title": "ok", "summary": "ok", "form-0-name": "r", "form-0-count": "0"}, None),
        ({"title": "ok", "summary": "ok", "form-0-name": "r", "form-0-count": "many"}, None),
        ({"title": "ok", "summary": "ok", "form-TOTAL_FORMS": "bad"}, None),
    ],
)
def test_bad_input_shows_an_error_keeps_the_text_and_saves_nothing(
    member_client, fields, error_field
):
    response = member_client.post(CREATE, form_data(**fields))

    assert response.status_code == 400
    assert Proposal.objects.count() == 0
    page = response.content.decode()
    assert "Nothing was saved yet" in page
    if error_field:
        assert response.context["form"].errors[error_field]
    if fields.get("title", "").strip() and len(fields["title"]) < 121:
        assert f'value="{fields["title"]}"' in page


def test_a_missing_management_form_is_an_error_not_a_crash(member_client):
    response = member_client.post(CREATE, {"title": "ok", "summary": "ok"})

    assert response.status_code == 400
    assert Proposal.objects.count() == 0


class _Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_harmless(html: str) -> None:
    """No script element, no event handler or htmx attribute, no javascript: link."""
    for tag, attrs in _Elements(html).found:
        assert tag not in {"script", "img", "iframe", "style"}
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-hx")), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)


def test_markdown_cannot_inject_scripts_links_or_htmx(member_client):
    body = (
        "<script>alert('x')</script>\n\n"
        "[click](javascript:alert(1))\n\n"
        '<a hx-get="/evil" hx-trigger="load">x</a>\n\n'
        '<img src=x onerror="alert(1)">'
    )
    member_client.post(CREATE, form_data(title="安全", summary="安全", body=body))

    proposal = Proposal.objects.get()
    page = member_client.get(proposal.get_absolute_url()).content.decode()
    assert_harmless(proposal.body_html)
    assert "click" in proposal.body_html
    shown_body = page.split('<section class="markdown body"', 1)[1].split("</section>", 1)[0]
    assert_harmless(shown_body.split(">", 1)[1])
    assert "<script>alert" not in page and 'href="javascript:' not in page


def test_preview_renders_sanitised_markdown_for_htmx(member_client):
    response = member_client.post(
        reverse("proposals:preview"),
        {"body": "**太字** <script>alert(1)</script> [x](javascript:alert(1))"},
        headers={"HX-Request": "true"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>太字</strong>" in page
    assert_harmless(page)
    assert "<html" not in page


def test_preview_without_javascript_shows_the_form_again_and_saves_nothing(member_client):
    response = member_client.post(
        CREATE, form_data(title="下書き", summary="見てみる", body="*試し*", preview="1")
    )

    assert response.status_code == 200
    assert Proposal.objects.count() == 0
    page = response.content.decode()
    assert "<em>試し</em>" in page and 'value="下書き"' in page


def test_the_proposer_can_edit(member_client, member):
    proposal = make_proposal(proposer=member, roles=("designer",))
    url = reverse("proposals:edit", args=[proposal.pk])

    page = member_client.get(url).content.decode()
    assert proposal.title in page and 'value="designer"' in page

    data = form_data(title="新しいタイトル", summary="新しい一行", **{"form-0-name": "writer"})
    response = member_client.post(url, data)

    proposal.refresh_from_db()
    assert response.status_code == 302
    assert (proposal.title, proposal.summary) == ("新しいタイトル", "新しい一行")
    assert [r.name for r in proposal.roles_wanted.all()] == ["writer"]


def test_edit_with_bad_input_changes_nothing(member_client, member):
    proposal = make_proposal(proposer=member)

    response = member_client.post(
        reverse("proposals:edit", args=[proposal.pk]), form_data(title="", summary="x")
    )

    assert response.status_code == 400
    assert Proposal.objects.get(pk=proposal.pk).title == proposal.title


def test_others_cannot_edit(member_client):
    proposal = make_proposal()
    url = reverse("proposals:edit", args=[proposal.pk])

    assert member_client.get(url).status_code == 403
    response = member_client.post(url, form_data(title="乗っ取り", summary="x"))

    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).title != "乗っ取り"


def test_a_moderator_can_edit(client):
    proposal = make_proposal()
    client.force_login(UserFactory(moderator=True))

    response = client.post(
        reverse("proposals:edit", args=[proposal.pk]), form_data(title="整えました", summary="x")
    )

    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).title == "整えました"


def test_anonymous_visitors_are_sent_to_log_in(client):
    proposal = make_proposal()
    for url in (
        reverse("proposals:list"),
        CREATE,
        proposal.get_absolute_url(),
        reverse("proposals:edit", args=[proposal.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))

    response = client.post(CREATE, form_data(title="x", summary="y"))
    assert response.status_code == 302
    assert Proposal.objects.count() == 1


def test_a_link_with_themes_opens_the_form_with_them_filled_in(member_client):
    """After a meetup, "anything you'd like to try?" links here with the meetup's themes."""
    Tag.objects.update_or_create(name="福祉", defaults={"suggested": True})
    response = member_client.get(
        CREATE, {"theme": ["福祉", "食品ロス", " ", "<b>地域</b>"], "meetup": "3"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["themes"].value() == ["福祉"]
    assert form["free_themes"].value() in ("食品ロス、<b>地域</b>", "食品ロス, <b>地域</b>")
    page = response.content.decode()
    assert re.search(r'<input type="checkbox" name="themes" value="福祉"[^>]* checked>', page)
    assert "&lt;b&gt;地域&lt;/b&gt;" in page and "<b>地域</b>" not in page


def test_odd_theme_links_still_open_an_empty_form(member_client):
    response = member_client.get(CREATE, {"theme": "x" * 500})
    assert response.status_code == 200
    assert response.context["form"]["free_themes"].value() == "x" * 40
