"""Domain errors of introductions, each with a message fit for a person."""


class IntroductionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotYourIntroduction(IntroductionError):
    """The introduction does not exist, or the person is not one of its people."""
