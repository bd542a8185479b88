"""Sign-in throttling: after SIGN_IN_MAX_FAILURES wrong passwords for one username (or
SIGN_IN_MAX_FAILURES_PER_IP from one address) within SIGN_IN_LOCKOUT_MINUTES, signing in is
refused until that window ends, whatever the password. Counts live in Django's cache (a folder
under var/ in the embedded default, shared by the web processes; Redis with CACHE_URL). Anonymous
forms (a sign's "report a problem") are counted per address the same way."""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def client_ip(request) -> str:
    """The address a request came from. Behind TRUSTED_PROXY_COUNT proxies (each appending the
    address it was reached from to X-Forwarded-For) it is that many entries from the header's
    end; the entries before them are whatever the client wrote, so they are never believed.
    With no trusted proxy (the default) the header is ignored: anyone could send it."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    return forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]


def _keys(username: str, ip: str) -> list[tuple[str, int]]:
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()
    keys = [(f"signin-failures:user:{name}", settings.SIGN_IN_MAX_FAILURES)]
    if ip:
        keys.append((f"signin-failures:ip:{ip}", settings.SIGN_IN_MAX_FAILURES_PER_IP))
    return keys


def minutes_to_wait(username: str, ip: str) -> int:
    """0 when signing in is open; otherwise the whole minutes until it opens again."""
    now = time.time()
    wait = 0.0
    for key, limit in _keys(username, ip):
        count, until = cache.get(key, (0, 0.0))
        if count >= limit and until > now:
            wait = max(wait, until - now)
    return math.ceil(wait / 60)


def note_failure(username: str, ip: str) -> None:
    now = time.time()
    window = settings.SIGN_IN_LOCKOUT_MINUTES * 60
    for key, _limit in _keys(username, ip):
        count, until = cache.get(key, (0, 0.0))
        if until <= now:  # a new window starts with this failure
            count, until = 0, now + window
        cache.set(key, (count + 1, until), timeout=math.ceil(until - now) + 1)


def note_success(username: str) -> None:
    cache.delete(_keys(username, "")[0][0])


class SignInThrottled(PermissionDenied):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class ThrottledModelBackend(ModelBackend):
    """Django's username/password check, refused while the username or address is throttled;
    every password form (the login page, the admin's) goes through it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        ip = client_ip(request)
        minutes = minutes_to_wait(username, ip)
        if minutes:
            raise SignInThrottled(minutes)  # Django stops trying other backends
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            note_failure(username, ip)
        else:
            note_success(username)
        return user

    def get_user(self, user_id):
        """The signed-in user of a request, with the relations settings.AUTH_USER_SELECT_RELATED
        names read in the same query (the site names the person and their organisation, which
        most requests ask for next)."""
        User = get_user_model()
        user = User._default_manager.select_related(*settings.AUTH_USER_SELECT_RELATED).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def public_post_wait(scope: str, ip: str, *, limit: int) -> int:
    """Anonymous forms (a sign's "report a problem"): 0 while this address has sent fewer than
    `limit` within the window; otherwise the whole minutes until its window ends."""
    count, until = cache.get(f"public-posts:{scope}:{ip}", (0, 0.0))
    now = time.time()
    return math.ceil((until - now) / 60) if count >= limit and until > now else 0


def note_public_post(scope: str, ip: str, *, window_minutes: int) -> None:
    """Count one accepted anonymous post from this address (its window starts with the first)."""
    key, now = f"public-posts:{scope}:{ip}", time.time()
    count, until = cache.get(key, (0, 0.0))
    if until <= now:
        count, until = 0, now + window_minutes * 60
    cache.set(key, (count + 1, until), timeout=math.ceil(until - now) + 1)
