import pytest
from django.core.exceptions import ValidationError

from members import services
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_slack_account_belongs_to_one_member():
    UserFactory(slack_user_id="U0AIKO")
    other = UserFactory(slack_user_id="U0KEN")
    with pytest.raises(ValidationError) as error:
        services.slack_link(user=other, slack_user_id="U0AIKO")
    assert error.value.message_dict["slack_user_id"] == [
        "This Slack account is already linked to another member."
    ]
    other.refresh_from_db()
    assert other.slack_user_id == "U0KEN"


def test_saving_the_profile_never_touches_the_slack_id():
    member = UserFactory(slack_user_id="U0AIKO")
    services.profile_update(user=member, display_name="名前")
    member.refresh_from_db()
    assert (member.display_name, member.slack_user_id) == ("名前", "U0AIKO")


def test_many_members_can_have_no_slack_account():
    for _ in range(3):
        member = UserFactory(slack_user_id="U0TEMP")
        services.slack_unlink(user=member)
        member.refresh_from_db()
        assert member.slack_user_id == ""


def test_tokens_are_shown_once_and_stored_hashed():
    member = UserFactory()
    token, raw = services.api_token_create(user=member, name="laptop")
    assert raw.startswith("inc_")
    assert raw not in token.key_hash
    assert services.api_token_authenticate(raw) == member
    assert services.api_token_authenticate(raw + "x") is None
    assert services.api_token_revoke(user=member, token_id=token.pk)
    assert services.api_token_authenticate(raw) is None
