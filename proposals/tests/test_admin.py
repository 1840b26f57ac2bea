"""Admin edits go through the services: the pages, the API and the counts show them at once."""

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from members.models import MODERATORS_GROUP, User
from members.tests.factories import UserFactory
from proposals import services
from proposals.admin import MembershipAdminForm
from proposals.choices import MembershipStatus, Status
from proposals.models import Comment, Membership, Proposal
from proposals.tests.api.conftest import ApiClient
from proposals.tests.factories import add_member, make_proposal

pytestmark = pytest.mark.django_db

BOARD = reverse("proposals:board")
LIST = reverse("proposals:list")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="keeper", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def viewer():
    """A member who looks at the pages and the API while the admin edits."""
    return ApiClient(UserFactory())


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def form_data(page) -> dict:
    """What the admin's change form posts as it stands: the form and each inline's forms."""
    shown = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        shown += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in shown:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            widget = form.fields[name].widget
            if isinstance(widget, forms.MultiWidget):  # e.g. a date and a time
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{key}_{index}"] = str(part)
            elif value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = str(value)
    return data


def admin_save(admin_client, obj, **changes):
    page = admin_client.get(change_url(obj))
    assert page.status_code == 200
    data = form_data(page)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return admin_client.post(change_url(obj), data)


def card(api: ApiClient, proposal: Proposal) -> dict:
    board = api.get("/board").json()
    return next(
        card for column in board["columns"] for card in column["cards"] if card["id"] == proposal.pk
    )


# Proposals


def test_a_body_edited_in_the_admin_shows_rendered_on_the_page_and_the_api(admin_client, viewer):
    proposal = make_proposal(body="old words")
    viewer.client.force_login(viewer.user)

    response = admin_save(admin_client, proposal, body="**新しい** [地図](https://example.org/map)")

    assert response.status_code == 302
    page = viewer.client.get(proposal.get_absolute_url()).content.decode()
    assert "<strong>新しい</strong>" in page and "old words" not in page
    detail = viewer.get(f"/proposals/{proposal.pk}").json()
    assert "<strong>新しい</strong>" in detail["body_html"]
    assert 'href="https://example.org/map"' in detail["body_html"]


def test_roles_and_themes_edited_in_the_admin_show_on_the_board(admin_client, viewer):
    proposal = make_proposal(status=Status.TEAM_FORMING, roles=("designer",), tags=["防災"])
    page = admin_client.get(change_url(proposal))
    data = form_data(page)
    data["roles_wanted-0-DELETE"] = "on"
    data |= {
        "roles_wanted-TOTAL_FORMS": "2",
        "roles_wanted-1-name": "カメラマン",
        "roles_wanted-1-count": "1",
        "roles_wanted-1-pace": "月1回",
        "roles_wanted-1-proposal": str(proposal.pk),
    }

    response = admin_client.post(change_url(proposal), data)

    assert response.status_code == 302
    seen = card(viewer, proposal)
    assert seen["open_roles"] == [{"name": "カメラマン", "open": 1, "pace": "月1回"}]
    assert seen["themes"] == ["防災"]


def test_a_role_the_service_refuses_is_explained_and_nothing_changes(admin_client):
    proposal = make_proposal(roles=("designer",), body="keep me")
    page = admin_client.get(change_url(proposal))
    data = form_data(page) | {"body": "changed", "roles_wanted-0-name": "proposer"}

    response = admin_client.post(change_url(proposal), data)

    assert response.status_code == 200
    assert "“proposer” is taken by the proposer." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.body == "keep me"
    assert list(proposal.roles_wanted.values_list("name", flat=True)) == ["designer"]


def test_the_stage_and_the_counts_cannot_be_written_in_the_admin(admin_client):
    proposal = make_proposal(title="before")

    admin_save(
        admin_client,
        proposal,
        title="after",
        status=Status.DONE,
        member_count="40",
        comment_count="9",
    )

    proposal.refresh_from_db()
    assert proposal.title == "after"
    assert (proposal.status, proposal.member_count, proposal.comment_count) == (Status.IDEA, 1, 0)


def test_a_staff_member_who_may_not_steer_the_proposal_only_looks(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_proposal"))
    client.force_login(staff)
    proposal = make_proposal(title="before")

    page = client.get(change_url(proposal))
    response = client.post(change_url(proposal), {"title": "after"})

    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.title == "before"


# Comments


def test_a_comment_hidden_in_the_admin_leaves_every_count_at_once(admin_client, viewer):
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="ひどい言葉")
    services.comment_create(proposal=proposal, author=UserFactory(), body="ありがとう")
    viewer.client.force_login(viewer.user)
    etag = viewer.get("/board")["ETag"]

    response = admin_save(admin_client, comment, is_hidden="on")

    assert response.status_code == 302
    poll = viewer.client.get("/api/v1/board", headers={"If-None-Match": etag, **viewer.headers})
    assert poll.status_code == 200  # the poll sees the change
    assert card(viewer, proposal)["comments"] == 1
    assert viewer.get(f"/proposals/{proposal.pk}").json()["comment_count"] == 1
    assert "1 comment" in viewer.client.get(LIST).content.decode()
    assert "1 comment" in viewer.client.get(BOARD).content.decode()
    page = viewer.client.get(proposal.get_absolute_url()).content.decode()
    assert "ひどい言葉" not in page and "ありがとう" in page
    comment.refresh_from_db()
    assert comment.hidden_by.username == "keeper"


def test_hiding_and_showing_many_comments_recounts(admin_client, viewer):
    proposal = make_proposal()
    comments = [
        services.comment_create(proposal=proposal, author=UserFactory(), body=f"c{n}")
        for n in range(3)
    ]
    changelist = reverse("admin:proposals_comment_changelist")
    ids = [str(comment.pk) for comment in comments[:2]]

    admin_client.post(changelist, {"action": "hide_comments", "_selected_action": ids})
    assert card(viewer, proposal)["comments"] == 1

    admin_client.post(changelist, {"action": "show_comments", "_selected_action": ids})
    assert card(viewer, proposal)["comments"] == 3


def test_someone_elses_words_stay_theirs_in_the_admin(admin_client):
    comment = services.comment_create(proposal=make_proposal(), author=UserFactory(), body="元の文")

    admin_save(admin_client, comment, body="書き換え")

    comment.refresh_from_db()
    assert comment.body == "元の文"


def test_the_authors_own_comment_edited_in_the_admin_is_rendered(admin_client, viewer):
    keeper = User.objects.get(username="keeper")
    proposal = make_proposal()
    comment = services.comment_create(proposal=proposal, author=keeper, body="before")

    admin_save(admin_client, comment, body="*after*")

    comments = viewer.get(f"/proposals/{proposal.pk}/comments").json()
    assert comments["items"][0]["body_html"].strip() == "<p><em>after</em></p>"


def test_deleting_comments_in_the_admin_recounts(admin_client, viewer):
    proposal = make_proposal()
    comments = [
        services.comment_create(proposal=proposal, author=UserFactory(), body=f"c{n}")
        for n in range(4)
    ]

    admin_client.post(
        reverse("admin:proposals_comment_delete", args=[comments[0].pk]), {"post": "yes"}
    )
    admin_client.post(
        reverse("admin:proposals_comment_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [str(comments[1].pk), str(comments[2].pk)],
        },
    )

    assert list(Comment.objects.filter(proposal=proposal)) == [comments[3]]
    assert card(viewer, proposal)["comments"] == 1
    assert viewer.get(f"/proposals/{proposal.pk}").json()["comment_count"] == 1


# Teams


def test_a_join_request_accepted_in_the_admin_grows_the_team_at_once(admin_client, viewer):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = admin_save(admin_client, request, status=MembershipStatus.ACCEPTED)

    assert response.status_code == 302
    assert card(viewer, proposal)["team_size"] == 2
    detail = viewer.get(f"/proposals/{proposal.pk}").json()
    assert detail["member_count"] == 2
    assert request.user.username in [member["person"]["username"] for member in detail["members"]]
    request.refresh_from_db()
    assert request.decided_by.username == "keeper"


def test_someone_taken_off_a_team_in_the_admin_leaves_the_count(admin_client, viewer):
    proposal = make_proposal(status=Status.RUNNING)
    membership = add_member(proposal)
    assert card(viewer, proposal)["team_size"] == 2

    admin_save(admin_client, membership, status=MembershipStatus.LEFT)

    assert card(viewer, proposal)["team_size"] == 1
    assert viewer.get(f"/proposals/{proposal.pk}").json()["member_count"] == 1


def test_a_move_the_service_does_not_make_is_not_offered(admin_client):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")

    response = admin_save(admin_client, request, status=MembershipStatus.LEFT)

    assert response.status_code == 200
    assert "can&#x27;t move there from “Requested”" in response.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_accepting_many_requests_and_deleting_members_recounts(admin_client, viewer):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    requests = [
        services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
        for _ in range(3)
    ]
    changelist = reverse("admin:proposals_membership_changelist")

    admin_client.post(
        changelist,
        {"action": "accept_requests", "_selected_action": [str(r.pk) for r in requests]},
    )
    assert card(viewer, proposal)["team_size"] == 4

    proposer_place = Membership.objects.get(proposal=proposal, user=proposal.proposer)
    refused = admin_client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [str(requests[0].pk), str(proposer_place.pk)],
        },
    )
    assert "Cannot delete" in refused.content.decode()  # the proposer stays, so nothing goes
    assert Membership.objects.count() == 4
    admin_client.post(
        changelist,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [str(requests[0].pk), str(requests[1].pk)],
        },
    )
    admin_client.post(
        reverse("admin:proposals_membership_delete", args=[requests[2].pk]), {"post": "yes"}
    )

    assert card(viewer, proposal)["team_size"] == 1
    assert list(Membership.objects.all()) == [proposer_place]


def test_a_stale_page_offers_only_the_moves_there_are_now(admin_client):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    page = admin_client.get(change_url(request))
    services.membership_leave(proposal=proposal, user=request.user)  # withdrawn meanwhile

    response = admin_client.post(
        change_url(request), form_data(page) | {"status": MembershipStatus.ACCEPTED}
    )

    assert response.status_code == 200
    assert "can&#x27;t move there from “Withdrawn”" in response.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipStatus.WITHDRAWN


def test_a_decision_the_service_refuses_is_explained_not_a_500(admin_client, monkeypatch):
    """The request is withdrawn after the form was checked: the service refuses, nothing changes."""
    proposal = make_proposal(status=Status.TEAM_FORMING)
    request = services.membership_request(proposal=proposal, user=UserFactory(), role="designer")
    page = admin_client.get(change_url(request))
    checked = MembershipAdminForm.clean

    def clean_then_withdraw(form):
        data = checked(form)
        services.membership_leave(proposal=proposal, user=request.user)
        return data

    monkeypatch.setattr(MembershipAdminForm, "clean", clean_then_withdraw)

    response = admin_client.post(
        change_url(request), form_data(page) | {"status": MembershipStatus.ACCEPTED}, follow=True
    )

    assert response.status_code == 200
    assert "This request has already been answered or withdrawn." in response.content.decode()
    assert "was changed successfully" not in response.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipStatus.WITHDRAWN
    proposal.refresh_from_db()
    assert proposal.member_count == 1


# Members and the moderators group


def test_deleting_a_member_takes_back_their_cheers_places_and_comments(admin_client, viewer):
    proposal = make_proposal(status=Status.RUNNING)
    leaving = UserFactory()
    add_member(proposal, user=leaving)
    services.cheer_set(proposal=proposal, user=leaving, cheered=True)
    services.comment_create(proposal=proposal, author=leaving, body="またね")
    assert (card(viewer, proposal)["team_size"], card(viewer, proposal)["cheers"]) == (2, 1)

    admin_client.post(reverse("admin:members_user_delete", args=[leaving.pk]), {"post": "yes"})

    assert not User.objects.filter(pk=leaving.pk).exists()
    seen = card(viewer, proposal)
    assert (seen["team_size"], seen["cheers"], seen["comments"]) == (1, 0, 0)


def _moves_for(user, proposal) -> list[str]:
    return [move["target"] for move in card(ApiClient(user), proposal)["moves"] if move["allowed"]]


def test_a_member_added_to_the_moderators_in_the_admin_can_move_proposals_at_once(admin_client):
    proposal = make_proposal()
    member = UserFactory()
    moderators = Group.objects.get(name=MODERATORS_GROUP)
    assert _moves_for(member, proposal) == []

    page = admin_client.get(change_url(member))
    data = form_data(page) | {"groups": [str(moderators.pk)]}
    data.pop("password", None)
    response = admin_client.post(change_url(member), data)

    assert response.status_code == 302
    assert "discussion" in _moves_for(member, proposal)


def test_deleting_the_moderators_group_takes_the_moves_away_at_once(admin_client):
    proposal = make_proposal()
    moderator = UserFactory(moderator=True)
    assert "discussion" in _moves_for(moderator, proposal)
    group = Group.objects.get(name=MODERATORS_GROUP)

    admin_client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})

    assert _moves_for(moderator, proposal) == []


def test_the_moderators_group_keeps_its_name(admin_client):
    proposal = make_proposal()
    moderator = UserFactory(moderator=True)
    group = Group.objects.get(name=MODERATORS_GROUP)

    page = admin_client.get(change_url(group))
    admin_client.post(change_url(group), form_data(page) | {"name": "モデレーター"})

    assert "cannot be renamed" in page.content.decode()
    assert Group.objects.filter(name=MODERATORS_GROUP).exists()
    assert "discussion" in _moves_for(moderator, proposal)


def test_a_members_slack_id_is_not_typed_in_the_admin(admin_client):
    member = UserFactory(slack_user_id="U0AIKO")

    page = admin_client.get(change_url(member))
    admin_client.post(change_url(member), form_data(page) | {"slack_user_id": "U0OTHER"})

    member.refresh_from_db()
    assert member.slack_user_id == "U0AIKO"


# Who the admin is for


def test_the_admin_is_for_staff_and_carries_the_sites_name(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>incubator admin</title>" in page or "incubator admin" in page

    moderator = Client()
    moderator.force_login(UserFactory(moderator=True))  # a moderator works in the app itself
    response = moderator.get(reverse("admin:index"))
    assert response.status_code in (302, 403)
    assert "incubator admin" not in response.content.decode()


def test_every_admin_page_opens(admin_client):
    proposal = make_proposal(status=Status.TEAM_FORMING)
    membership = add_member(proposal)
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="hi")
    group = Group.objects.get(name=MODERATORS_GROUP)
    for obj in (proposal, membership, comment, membership.user, group):
        opts = obj._meta
        for url in (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            change_url(obj),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk]),
        ):
            assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(reverse("admin:members_apitoken_changelist")).status_code == 200
