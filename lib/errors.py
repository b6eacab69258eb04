class ApplicationError(Exception):
    """A domain rule refused the request. The message is Chinese and shown to the person as is;
    views turn it into a form error or a message, the API into a 400/409."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(ApplicationError):
    status_code = 409
