"""Domain errors of meetups, each with a message fit for a person. The web maps them to pages."""


class MeetupError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionNotPermitted(MeetupError):
    """The person may not do this (HTTP 403)."""


class ActionConflict(MeetupError):
    """Not possible in the meetup's current state (it is cancelled or over) (HTTP 409)."""
