"""Moderators write what the community is and the privacy page, in Japanese and English; visitors
read them in their language, sanitised like every Markdown in the product, with the community's
own words as the default while nothing is written."""

import pytest
from django.test import Client
from django.urls import reverse

from entrance.models import CommunityText
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDIT_ABOUT = reverse("entrance:text_edit", args=["about"])
EDIT_PRIVACY = reverse("entrance:text_edit", args=["privacy"])


def _read(path: str, language: str) -> str:
    visitor = Client(headers={"Accept-Language": language})
    return visitor.get(path).content.decode()


def test_before_anything_is_written_visitors_read_the_communitys_own_words():
    assert "一人一人の想い、やりたいをアップデートしていく" in _read("/", "ja")
    assert "take their next step" in _read("/", "en")
    privacy = _read("/privacy/", "en")
    assert "download their data and delete their account" in privacy
    assert f'href="{reverse("members:settings")}#privacy"' in privacy
    assert "ダウンロード" in _read("/privacy/", "ja")


def test_a_moderator_writes_the_text_in_both_languages_and_each_visitor_reads_their_own(client):
    client.force_login(UserFactory(moderator=True))
    response = client.post(
        EDIT_ABOUT,
        {
            "body_ja": "## ようこそ\n\n**やってみたい**を応援する場です。<script>alert(1)</script>",
            "body_en": "## Welcome\n\nA place for *trying things*. <script>alert(2)</script>",
        },
    )
    assert response.status_code == 302
    japanese, english = _read("/", "ja"), _read("/", "en")
    assert "<h2>ようこそ</h2>" in japanese and "<strong>やってみたい</strong>" in japanese
    assert "<h2>Welcome</h2>" in english and "<em>trying things</em>" in english
    assert "Welcome" not in japanese and "ようこそ" not in english
    assert "<script>alert" not in japanese + english
    assert "一人一人の想い" not in japanese  # the default gave way


def test_a_language_left_empty_shows_the_other_one(client):
    client.force_login(UserFactory(moderator=True))
    client.post(EDIT_PRIVACY, {"body_ja": "個人情報は大切にします。", "body_en": ""})
    assert "個人情報は大切にします。" in _read("/privacy/", "en")


def test_the_edit_page_shows_the_saved_text_and_the_default(client):
    client.force_login(UserFactory(moderator=True))
    client.post(EDIT_ABOUT, {"body_ja": "いまの文章", "body_en": "The text now"})
    page = client.get(EDIT_ABOUT).content.decode()
    assert "いまの文章" in page and "The text now" in page
    assert "take their next step" in page  # the default, for reference


def test_only_moderators_edit_the_texts(client):
    client.force_login(UserFactory())
    assert client.get(EDIT_ABOUT).status_code == 403
    assert client.post(EDIT_ABOUT, {"body_ja": "乗っ取り", "body_en": ""}).status_code == 403
    assert not CommunityText.objects.exists()
    visitor = Client()
    assert visitor.get(EDIT_ABOUT).status_code == 302
    assert reverse("account_login") in visitor.get(EDIT_ABOUT)["Location"]


def test_bad_input_gets_a_clear_error_and_saves_nothing(client):
    client.force_login(UserFactory(moderator=True))
    client.post(EDIT_ABOUT, {"body_ja": "最初の文章", "body_en": ""})
    too_long = client.post(EDIT_ABOUT, {"body_ja": "あ" * 20_001, "body_en": ""})
    assert too_long.status_code == 400
    assert "Please keep this to 20000 characters or fewer" in too_long.content.decode()
    nul = client.post(EDIT_ABOUT, {"body_ja": "ぬる\x00文字", "body_en": ""})
    assert nul.status_code == 400
    assert CommunityText.objects.get(kind="about").body_ja == "最初の文章"
    assert client.get(reverse("entrance:text_edit", args=["nothing"])).status_code == 404
