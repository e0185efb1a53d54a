"""Domain errors: raised by services, turned into form errors or flash messages by routes."""


class DomainError(Exception):
    """An action that the rules do not allow; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
