import pytest

from members.tests.factories import UserFactory


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def form_data(**fields) -> dict:
    """What the submit form posts: the fields plus an empty set of role rows."""
    data = {
        "title": "",
        "summary": "",
        "body": "",
        "free_themes": "",
        "submission_key": "",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
    }
    for index in range(3):
        data |= {f"form-{index}-name": "", f"form-{index}-count": "1", f"form-{index}-pace": ""}
    data.update(fields)
    return data
