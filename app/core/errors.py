"""Domain errors: raised by services, turned into form errors or flash messages by routes."""


class DomainError(Exception):
    """An action that the rules do not allow; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(DomainError):
    """A value in the request that cannot be used (a date past the calendar, say).

    Raised anywhere while handling a request; app.errors answers it as a 400 with the message:
    an error page, or JSON under /api/ with ``fields`` naming the value.
    """


class ValidationFailed(DomainError):
    """Input that cannot be accepted; ``fields`` says which and why."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}
