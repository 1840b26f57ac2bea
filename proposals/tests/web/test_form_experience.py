"""The submit form as a person meets it: one idea however it is sent, kind errors, counters,
roles added as needed, themes in the reader's language."""

import re

import pytest
from django.urls import reverse

from proposals.models import Proposal
from proposals.tests.factories import make_proposal

from .conftest import form_data

pytestmark = pytest.mark.django_db

CREATE = reverse("proposals:create")


def _key(response) -> str:
    return re.search(r'name="submission_key" value="([0-9a-f]+)"', response.content.decode())[1]


def test_the_same_idea_sent_again_from_a_reloaded_form_is_not_posted_twice(member_client):
    """Back after posting loads the form again (a new key) with the text still typed in."""
    first = member_client.post(
        CREATE,
        form_data(
            title="修理カフェ",
            summary="月1回、直して使う",
            submission_key=_key(member_client.get(CREATE)),
        ),
    )
    reloaded_key = _key(member_client.get(CREATE))

    again = member_client.post(
        CREATE,
        form_data(title="修理カフェ", summary="月1回、直して使う", submission_key=reloaded_key),
    )

    proposal = Proposal.objects.get()
    assert first.url == again.url == proposal.get_absolute_url()
    page = member_client.get(again.url).content.decode()
    assert "You have posted this idea already" in page


def test_a_different_idea_from_the_same_browser_is_a_new_proposal(member_client):
    key = _key(member_client.get(CREATE))
    member_client.post(CREATE, form_data(title="修理カフェ", summary="月1回", submission_key=key))

    next_key = _key(member_client.get(CREATE))
    member_client.post(CREATE, form_data(title="読書会", summary="月1回", submission_key=next_key))

    assert sorted(Proposal.objects.values_list("title", flat=True)) == ["修理カフェ", "読書会"]


def test_the_same_title_by_someone_else_is_their_own_proposal(member_client, client):
    key = _key(member_client.get(CREATE))
    member_client.post(CREATE, form_data(title="修理カフェ", summary="月1回", submission_key=key))
    make_proposal(title="修理カフェ", summary="月1回")

    assert Proposal.objects.count() == 2


def test_english_errors_are_gentle(member_client):
    response = member_client.post(CREATE, form_data(title="", summary="s" * 281))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Please fill this in." in page
    assert "Please keep this to 280 characters or fewer (it is 281 now)." in page
    assert "This field is required" not in page and "Ensure this value" not in page


def test_japanese_errors_are_gentle(member_client):
    response = member_client.post(
        CREATE,
        form_data(title="", summary="s" * 281, **{"form-0-name": "r", "form-0-count": "many"}),
        headers={"Accept-Language": "ja"},
    )

    page = response.content.decode()
    assert "入力をお願いします。" in page
    assert "280文字以内でお願いします（いまは281文字です）。" in page
    assert "数字でお願いします" in page


def test_title_summary_and_comment_show_their_limit(member_client, member):
    page = member_client.get(CREATE).content.decode()
    assert 'data-counter-for="id_title" data-max="120"' in page
    assert 'data-counter-for="id_summary" data-max="280"' in page
    assert "Up to 120 characters." in page

    proposal = make_proposal(proposer=member)
    detail = member_client.get(proposal.get_absolute_url()).content.decode()
    assert 'data-counter-for="id_body" data-max="10000"' in detail


def test_built_in_themes_are_shown_in_english_and_stored_as_they_are(member_client):
    page = member_client.get(CREATE).content.decode()
    assert "Disaster preparedness" in page and ">防災<" not in page
    assert 'value="防災"' in page

    member_client.post(CREATE, form_data(title="防災マップ", summary="歩いて作る", themes=["防災"]))

    assert [tag.name for tag in Proposal.objects.get().tags.all()] == ["防災"]


def test_built_in_themes_stay_japanese_in_japanese(member_client):
    page = member_client.get(CREATE, headers={"Accept-Language": "ja"}).content.decode()
    assert "防災" in page and "Disaster preparedness" not in page


def test_the_form_starts_with_one_role_row_and_adds_one_without_javascript(member_client):
    page = member_client.get(CREATE).content.decode()
    assert 'name="form-0-name"' in page and 'name="form-1-name"' not in page
    assert 'name="add_role"' in page
    assert 'id="role-row-template"' in page and 'name="form-__prefix__-name"' in page

    response = member_client.post(
        CREATE,
        form_data(
            title="",
            summary="",
            add_role="1",
            **{"form-TOTAL_FORMS": "1", "form-0-name": "運転", "form-0-count": "2"},
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert Proposal.objects.count() == 0
    assert 'name="form-0-name"' in page and 'value="運転"' in page
    assert 'name="form-1-name"' in page and 'name="form-2-name"' not in page
    assert "Please fill this in." not in page  # nothing is checked yet


def test_added_rows_are_saved_as_roles(member_client):
    data = form_data(
        title="子ども食堂",
        summary="月2回",
        **{
            "form-TOTAL_FORMS": "5",
            "form-0-name": "調理",
            "form-0-count": "",  # left empty: one person
            "form-3-name": "",  # a row removed in the browser: empty
            "form-4-name": "広報",
            "form-4-count": "2",
        },
    )
    data.update({"form-3-count": "1", "form-4-pace": "週1"})

    member_client.post(CREATE, data)

    roles = {(r.name, r.count, r.pace) for r in Proposal.objects.get().roles_wanted.all()}
    assert roles == {("調理", 1, ""), ("広報", 2, "週1")}


def test_no_more_rows_than_roles_allowed(member_client):
    rows = {f"form-{i}-name": f"役割{i}" for i in range(10)}
    response = member_client.post(
        CREATE,
        form_data(title="t", summary="s", add_role="1", **{"form-TOTAL_FORMS": "10"}, **rows),
    )

    page = response.content.decode()
    assert 'name="form-9-name"' in page and 'name="form-10-name"' not in page
    assert 'name="add_role"' not in page


def test_editing_shows_other_themes_with_the_languages_separator(member_client, member):
    proposal = make_proposal(proposer=member, tags=["食品ロス", "地域"])
    url = reverse("proposals:edit", args=[proposal.pk])

    japanese = member_client.get(url, headers={"Accept-Language": "ja"}).content.decode()
    english = member_client.get(url).content.decode()

    assert re.search(r'name="free_themes" value="(食品ロス、地域|地域、食品ロス)"', japanese)
    assert re.search(r'name="free_themes" value="(食品ロス, 地域|地域, 食品ロス)"', english)


def test_a_theme_label_filter_for_every_page():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load theme_tags %}{{ a|theme_label }}/{{ b|theme_label }}")
    context = Context({"a": "防災", "b": "食品ロス"})
    with translation.override("en"):
        assert template.render(context) == "Disaster preparedness/食品ロス"
    with translation.override("ja"):
        assert template.render(context) == "防災/食品ロス"
