"""Domain errors: raised by actions and queries, mapped to HTTP status codes once, in api.py.

Every error carries a message meant for the person who caused it and a stable `code` that
clients can switch on; `error_body` gives every error response its one format.
"""


def error_body(message: str, code: str, *, field: str | None = None, **extra) -> dict:
    """The one error format (ARCHITECTURE.md): `code` for programs to switch on, `message` for a
    person (translated), `field` the input at fault or None; `detail` repeats the message for
    clients written before `message` existed."""
    return {"code": code, "message": message, "field": field, "detail": message, **extra}


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra or {}


class NotFound(DomainError):
    """The object does not exist, or the user may not see it (the two look the same)."""

    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The user sees the object but their role may not do this to it."""

    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, detail: str, *, allowed: list[str]):
        super().__init__(detail, extra={"allowed": sorted(allowed)})


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None):
        super().__init__(detail, code=code, extra={"field": field} if field else None)


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "too_large"


class Unavailable(DomainError):
    status_code = 503
    code = "unavailable"
