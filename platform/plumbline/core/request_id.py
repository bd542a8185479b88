"""The id of the request being served: set by the site's middleware, recorded on audit events."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
