"""Domain errors, each with a message fit for a person. Views and the API map them to responses."""


class ProposalError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ActionNotPermitted(ProposalError):
    """The person may not do this (HTTP 403)."""


class ActionConflict(ProposalError):
    """Not possible in the current state, or someone else changed it first (HTTP 409)."""

    def __init__(self, message: str, allowed: list[str] | None = None):
        super().__init__(message)
        self.allowed = allowed or []
