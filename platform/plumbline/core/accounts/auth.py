"""API authentication: `Authorization: Bearer <token>` or the web session (with CSRF)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from ..errors import PermissionDenied
from .models import ApiToken, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=5)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            # bookkeeping, not a state change of the domain: no audit event
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class Session(SessionAuth):
    """The signed-in web user; unsafe methods need the CSRF token, as on the pages.

    A request that sends an Authorization header chose the token: if the token is bad, it is
    401, never the session's "CSRF check failed"."""

    def __call__(self, request):
        if "Authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # nobody signed in: 401 "sign in", not a CSRF failure
        try:
            return super().__call__(request)
        except HttpError as exc:  # ninja's English "CSRF check Failed"
            if exc.status_code != 403:
                raise
            raise PermissionDenied(
                gettext(
                    "The page that sent this was open too long or you signed in again since, so nothing "
                    "was saved: reload the page and try again."
                ),
                code="csrf_failed",
            ) from None

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), Session()]
