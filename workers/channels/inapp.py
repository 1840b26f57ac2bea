"""In the app: the in-app Delivery row is itself the notification (workers.selectors reads the inbox,
workers.services marks it read), so sending has nothing left to do."""

from ..models import Delivery


def send(delivery: Delivery) -> str:
    """The notification is already in the member's inbox; there is no external id."""
    return ""
