"""A mail server that is down for its first few messages (then the test backend's outbox)."""

from django.core.mail.backends.locmem import EmailBackend


class DownAtFirst(EmailBackend):
    failures_left = 0

    def send_messages(self, messages):
        if DownAtFirst.failures_left > 0:
            DownAtFirst.failures_left -= 1
            raise ConnectionRefusedError("the mail server is down")
        return super().send_messages(messages)
