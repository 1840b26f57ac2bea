"""The invitation at sign-up (used by members.adapters): the link's token waits in the session
from the invitation page to the sign-up form; the form takes only the invited address, and the
invitation is used up by the account it creates, once."""

from . import selectors, services, tokens
from .models import Application

INVITE_SESSION_KEY = "application_invite"


def pending(request) -> Application | None:
    """The application whose invitation this visitor opened, while it can still be used."""
    session = getattr(request, "session", None)
    token = session.get(INVITE_SESSION_KEY) if session is not None else None
    if not token:
        return None
    state, application = selectors.invitation(token)
    return application if state == selectors.InviteState.OK else None


def is_for(application: Application, email: str) -> bool:
    return (email or "").strip().lower() == application.email.strip().lower()


def use(request, *, user) -> bool:
    """Use the session's invitation for `user`'s new account; False when it was used (or ended)
    meanwhile. The session forgets it either way."""
    token = request.session.pop(INVITE_SESSION_KEY, "")
    try:
        application_id, nonce = tokens.read_invite_token(token)
    except tokens.Broken:
        return False
    return services.application_invite_use(application_id=application_id, nonce=nonce, user=user)
