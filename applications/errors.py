"""Domain errors of applications, each with a message fit for a person."""


class ApplicationError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotPermitted(ApplicationError):
    """Only moderators decide on applications (HTTP 403)."""


class Refused(ApplicationError):
    """The form was not taken (too fast, the honeypot, too many at once): nothing was saved."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


class NotNow(ApplicationError):
    """Not possible in the application's current state (someone decided first)."""


class BadLink(ApplicationError):
    """A confirmation or invitation link that is broken, ended, or used."""
