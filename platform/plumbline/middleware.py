"""A request id on every request: echoed in the response and recorded on audit events."""

import re
import uuid

from plumbline.core.errors import error_body
from plumbline.core.request_id import current_request_id

_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def api_language(accept_language: str) -> str:
    """The first of our languages in an Accept-Language header (by q, then order), or ""."""
    from django.utils import translation
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _q in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return ""


class ChineseFirstLocaleMiddleware:
    """Pages speak Chinese unless the person chose another language (the language cookie set by
    /i18n/setlang/); a browser's Accept-Language is not enough to switch a site tablet to English.
    The API (/api/) answers in the language of Accept-Language, Chinese when it names none of ours."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        if not chosen and request.path.startswith("/api/"):
            language = api_language(request.headers.get("Accept-Language", "")) or language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNulMiddleware:
    """No text may contain a NUL character: SQLite would store it, PostgreSQL refuses it. The
    API's parser names the field (plumbline.api); this refuses it in any URL path, and in the
    query string and form fields of the pages, with a 422 before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponse, JsonResponse
        from django.utils.translation import gettext as _

        is_api = request.path_info.startswith("/api/")
        if "\x00" in request.path_info or (not is_api and self._form_has_nul(request)):
            message = _("Text may not contain a NUL character.")
            if is_api:
                return JsonResponse(error_body(message, "nul_character"), status=422)
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _form_has_nul(request) -> bool:
        fields = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields += [request.POST]
            names = [f.name or "" for files in request.FILES.lists() for f in files[1]]
            if any("\x00" in name for name in names):
                return True
        return any(
            "\x00" in key or "\x00" in value for data in fields for key, values in data.lists() for value in values
        )


class ApiMethodNotAllowedMiddleware:
    """A method a path of the API does not have is answered in the API's error format (ninja
    answers it in plain text), keeping the Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.path_info.startswith("/api/"):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            message = _("%(method)s is not allowed here; use %(allowed)s.") % {
                "method": request.method,
                "allowed": ", ".join(allowed) or "-",
            }
            answer = JsonResponse(error_body(message, "method_not_allowed", allowed=allowed), status=405)
            answer["Allow"] = response.get("Allow", "")
            return answer
        return response


def content_security_policy() -> str:
    """Scripts only from our own static files (no inline script, no eval); styles may be inline
    (the templates' style blocks and attributes); images also from the object store, whose
    presigned links photos use."""
    from django.conf import settings

    images = ["'self'", "data:", "blob:"]
    if settings.STORAGE_BACKEND == "minio":
        scheme = "https" if settings.MINIO_SECURE else "http"
        images.append(f"{scheme}://{settings.MINIO_PUBLIC_ENDPOINT or settings.MINIO_ENDPOINT}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Every HTML page carries the Content-Security-Policy, so injected markup cannot run script."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
