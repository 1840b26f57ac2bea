"""The applicant's links, signed with the site's secret: the address confirmation (it ends after
APPLICATIONS_CONFIRM_HOURS) and the sign-up invitation (bound to one application and its current
nonce; its end and its single use are kept on the application's row)."""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "applications.confirm"
INVITE_SALT = "applications.invite"


class Expired(Exception):
    pass


class Broken(Exception):
    pass


def confirm_token(application) -> str:
    return signing.dumps({"a": application.pk, "e": application.email}, salt=CONFIRM_SALT)


def read_confirm_token(token: str) -> tuple[int, str]:
    """(application id, email); raises Expired or Broken."""
    try:
        data = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.APPLICATIONS_CONFIRM_HOURS * 3600
        )
    except signing.SignatureExpired as error:
        raise Expired from error
    except signing.BadSignature as error:
        raise Broken from error
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise Broken
    return data["a"], str(data.get("e", ""))


def invite_token(application) -> str:
    return signing.dumps({"a": application.pk, "n": application.invite_nonce}, salt=INVITE_SALT)


def read_invite_token(token: str) -> tuple[int, str]:
    """(application id, nonce); raises Broken. Its end is the row's invite_expires_at."""
    try:
        data = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature as error:
        raise Broken from error
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise Broken
    return data["a"], str(data.get("n", ""))
