"""Domain errors: raised by services, shown to people in Portuguese, mapped to structured API errors."""


class DomainError(Exception):
    """A business rule refused the operation. `message` is the pt-BR text for the user."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
