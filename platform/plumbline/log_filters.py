"""Logging filters of the site: a refused request is an answer, not a fault of the server."""

import logging

from django.core.exceptions import PermissionDenied


class PermissionDeniedOneLine(logging.Filter):
    """Django logs every 403 with the PermissionDenied's traceback; keep one line (the path and
    why it was refused) so real faults stand out in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and exc_info[0] is not None and issubclass(exc_info[0], PermissionDenied):
            reason = str(exc_info[1] or "")
            record.msg, record.args = record.getMessage() + (f" ({reason})" if reason else ""), ()
            record.exc_info, record.exc_text = None, None
        return True
