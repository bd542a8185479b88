"""The one NinjaAPI at /api/v1/: mounts each app's router and maps errors to one format.

Every error response is `{"code": "<stable>", "message": "<for a person>", "field": <the input at
fault or null>}` (plumbline.core.errors.error_body; `detail` repeats the message for older
clients) plus, where useful, `fields`, `allowed` or `errors`. Status codes: 400 a request that cannot be read, 401 not signed
in, 403 visible but not allowed, 404 not found or not visible, 405 a method the path does not
have, 409 conflict or illegal transition, 413 too large, 422 invalid input, 503 a dependency
down. The OpenAPI document declares them all with the Error schema.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, NotSupportedError, ProgrammingError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import _csrf_needed
from ninja.parser import Parser

from storage import ObjectNotFound, StorageUnavailable

from .core.accounts.auth import API_AUTH
from .core.errors import DomainError, InvalidInput, error_body
from .core.rights import operation_of, refusal

logger = logging.getLogger(__name__)


class OfflineSwagger(Swagger):
    """Swagger UI from the project's own static files (ninja's, see settings.NINJA_DIR), never a
    CDN, without ninja being an installed app."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, self.template, context)


class NulCharacter(InvalidInput):
    """Input with a NUL character: a 422, after the right (like any other invalid input)."""


def refuse_nul(value, field: str) -> None:
    """A NUL character in any text is refused (PostgreSQL cannot store it; SQLite would)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise NulCharacter(
                gettext("Text may not contain a NUL character (found in %(field)s).") % {"field": field or "body"},
                field=field or None,
                code="nul_character",
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, field)
            refuse_nul(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item, field)
    elif isinstance(getattr(value, "name", None), str):  # an uploaded file
        refuse_nul(value.name, field)


class UnknownField(InvalidInput):
    """A form field or file the operation does not take: a 422 naming it, after the right. ninja
    drops such a field silently, so `model=` for `model_name=` made a model named after the file."""


def form_fields_of(operation) -> set[str] | None:
    """The form fields and files an operation takes, or None when it takes neither."""
    names, takes_form = set(), False
    for model in getattr(operation, "models", ()):
        source = getattr(model, "__ninja_param_source__", None)
        if source == "form":
            names.update(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
        elif source == "file":
            names.update(field.alias or name for name, field in model.model_fields.items())
        else:
            continue
        takes_form = True
    return names if takes_form else None


def refuse_unknown_fields(request) -> None:
    """Every field of a form or multipart request must be one the operation declares."""
    if getattr(request, "_plumbline_fields_checked", False):  # once for the form, not again for files
        return
    request._plumbline_fields_checked = True
    names = form_fields_of(operation_of(request))
    if names is None:
        return
    sent = [*request.POST.keys(), *request.FILES.keys()]
    unknown = [name for name in dict.fromkeys(sent) if name not in names and name != "csrfmiddlewaretoken"]
    if unknown:
        raise UnknownField(
            gettext("This request takes no field %(unknown)s; its fields are %(fields)s.")
            % {"unknown": ", ".join(unknown), "fields": ", ".join(sorted(names))},
            field=unknown[0],
            code="unknown_field",
        )


class NulRefusingParser(Parser):
    """ninja's parser, refusing NUL in JSON bodies, query strings, forms and file names, and form
    fields the operation does not take."""

    def parse_body(self, request):
        data = super().parse_body(request)
        refuse_nul(data, "")
        return data

    def parse_querydict(self, data, list_fields, request):
        if data is request.POST or data is request.FILES:
            refuse_unknown_fields(request)
        parsed = super().parse_querydict(data, list_fields, request)
        for key, value in parsed.items():
            refuse_nul(key, key)
            refuse_nul(value, key)
        return parsed


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "Every error: a message for a person (in their language) and a stable code.",
    "required": ["code", "message", "field", "detail"],
    "properties": {
        "code": {"type": "string", "description": "stable, for programs to switch on"},
        "message": {"type": "string", "description": "for a person, translated"},
        "field": {"type": ["string", "null"], "description": "the input at fault, or null when there is none"},
        "detail": {"type": "string", "description": "the message again, for clients written before `message`"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "errors": {"type": "array", "items": {"type": "object"}},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
}
# Answers any operation can give whatever it declares: a request it cannot read (400), a method
# the path does not have (405), input that does not fit the schema (422).
COMMON_ERRORS = {400: "Bad Request", 405: "Method Not Allowed", 422: "Unprocessable Entity"}


class PlumblineAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                for status, description in COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": description})
                if operation.get("security"):
                    responses.setdefault(401, {"description": "Unauthorized"})
                for status, response in responses.items():
                    if int(status) >= 400:
                        response["content"] = error
        return schema


api = PlumblineAPI(
    title="Plumbline API",
    version="1",
    description=(
        "Construction quality over a building's whole life: responsible parties and their "
        "commitments, BIM models and elements, inspections, acceptance, latent-defect insurance "
        "and a tamper-evident audit trail. Authenticate with `Authorization: Bearer <token>`."
    ),
    urls_namespace="api-v1",
    auth=API_AUTH,
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=NulRefusingParser(),
)


def error(request, status: int, detail: str, code: str, **extra):
    return api.create_response(request, error_body(str(detail), code, **extra), status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error(request, exc.status_code, str(exc.detail), exc.code, **exc.extra)


#: where ninja says an input came from, before its name (`["file", "file"]`, `["body", "payload", "name"]`)
SOURCES = ("body", "query", "path", "form", "file", "header", "cookie")


def _input_of(loc) -> str:
    """The input a validation error is about, as the caller named it: `name`, `items.0.text`."""
    loc = [str(p) for p in loc]
    if loc and loc[0] in SOURCES:
        loc = loc[1:]
    if loc and loc[0] == "payload":  # the endpoint's body parameter, not a field the caller sent
        loc = loc[1:]
    return ".".join(loc)


def _problem(err: dict) -> str:
    """pydantic's complaint in the reader's language: the common error types by name, a message of
    our own validators as it is, anything else as "not valid" (the `errors` list keeps pydantic's)."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    values = {k: str(v) for k, v in ctx.items()}
    for prefix, message in PROBLEMS:
        if kind == prefix or (prefix.endswith("_") and kind.startswith(prefix)):
            try:
                return message() % values
            except (KeyError, ValueError, TypeError):
                break
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return str(ctx["error"])
    return gettext("not a valid value")


# pydantic v2 error types -> the message a person reads (formatted with the error's ctx)
PROBLEMS = [
    ("missing", lambda: gettext("is required")),
    ("string_type", lambda: gettext("must be text")),
    ("string_too_short", lambda: gettext("must have at least %(min_length)s characters")),
    ("string_too_long", lambda: gettext("may have at most %(max_length)s characters")),
    ("string_pattern_mismatch", lambda: gettext("does not have the expected form")),
    ("int_parsing", lambda: gettext("must be a whole number")),
    ("int_from_float", lambda: gettext("must be a whole number")),
    ("int_type", lambda: gettext("must be a whole number")),
    ("float_", lambda: gettext("must be a number")),
    ("decimal_", lambda: gettext("must be a number")),
    ("bool_", lambda: gettext("must be true or false")),
    ("greater_than_equal", lambda: gettext("must be at least %(ge)s")),
    ("greater_than", lambda: gettext("must be greater than %(gt)s")),
    ("less_than_equal", lambda: gettext("must be at most %(le)s")),
    ("less_than", lambda: gettext("must be less than %(lt)s")),
    ("date_", lambda: gettext("must be a date (YYYY-MM-DD)")),
    ("datetime_", lambda: gettext("must be a date and time (ISO 8601, e.g. 2026-05-01T09:30:00+08:00)")),
    ("time_", lambda: gettext("must be a time (HH:MM)")),
    ("uuid_", lambda: gettext("must be a UUID")),
    ("literal_error", lambda: gettext("must be one of %(expected)s")),
    ("enum", lambda: gettext("must be one of %(expected)s")),
    ("list_type", lambda: gettext("must be a list")),
    ("dict_type", lambda: gettext("must be an object")),
    ("model_type", lambda: gettext("must be an object")),
    ("model_attributes_type", lambda: gettext("must be an object")),
    ("too_short", lambda: gettext("must have at least %(min_length)s items")),
    ("too_long", lambda: gettext("may have at most %(max_length)s items")),
    ("extra_forbidden", lambda: gettext("is not a field of this request")),
    ("json_invalid", lambda: gettext("is not valid JSON")),
    ("url_", lambda: gettext("must be a web address")),
]


def _describe_validation(errors: list[dict]) -> str:
    parts = []
    for err in errors:
        where = _input_of(err.get("loc", ())) or gettext("request")
        parts.append(gettext("%(where)s: %(problem)s") % {"where": where, "problem": _problem(err)})
    return "; ".join(parts) or gettext("The request is not valid.")


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    refused = refusal(request)  # the right first: who may not make this call is told so, not what to fix
    if refused is not None:
        return on_domain_error(request, refused)
    # `msg` in the reader's language, like `message`; `type` stays pydantic's, for programs
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": _problem(e), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    detail = _describe_validation(list(exc.errors))
    return error(request, 422, detail, "invalid", field=_field_of(errors), errors=errors)


def _field_of(errors: list[dict]) -> str | None:
    """The input at fault when every error is about the same one."""
    fields = {_input_of(e["loc"]) for e in errors}
    if len(fields) != 1:
        return None
    return fields.pop() or None


@api.exception_handler(DjangoValidationError)
def on_django_validation_error(request, exc: DjangoValidationError):
    if hasattr(exc, "message_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        detail = "; ".join(f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in fields.items())
        named = [k for k in fields if k != "__all__"]
        return error(request, 422, detail, "invalid", field=named[0] if len(named) == 1 else None, fields=fields)
    return error(request, 422, " ".join(str(m) for m in exc.messages), "invalid")


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    detail = gettext("Sign in or send a valid API token (Authorization: Bearer <token>).")
    return error(request, 401, detail, "unauthenticated")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, gettext("Not found."), "not_found")


@api.exception_handler(ObjectNotFound)
def on_object_not_found(request, exc):
    return error(request, 404, gettext("No file is stored under this key."), "not_found")


@api.exception_handler(DjangoPermissionDenied)
def on_permission_denied(request, exc):
    return error(request, 403, str(exc) or gettext("You may not do this."), "forbidden")


@api.exception_handler(StorageUnavailable)
def on_storage_unavailable(request, exc):
    logger.error("storage unavailable in %s %s: %s", request.method, request.path, exc)
    detail = gettext("File storage is unavailable; nothing was saved. Try again later. (%(reason)s)") % {"reason": exc}
    return error(request, 503, detail, "storage_unavailable")


@api.exception_handler(DatabaseError)
def on_database_error(request, exc: DatabaseError):
    """A database that is down or damaged is a dependency down (503), as /healthz says; an
    integrity or programming error is a bug of ours and stays a 500."""
    if isinstance(exc, (IntegrityError, ProgrammingError, DataError, NotSupportedError)):
        return on_unexpected_error(request, exc)
    logger.error("database unusable in %s %s: %s", request.method, request.path, exc)
    return error(
        request,
        503,
        gettext("The database is unavailable; nothing was saved. Try again later."),
        "database_unavailable",
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):  # raised by our parser, wrapped by ninja
        return api.on_exception(request, exc.__cause__)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):  # json.loads failed
        return error(request, 400, gettext("The request body cannot be read: it is not valid JSON."), "bad_json")
    code = {400: "bad_request", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return error(request, exc.status_code, str(exc.message), code)


@api.exception_handler(NulCharacter)
@api.exception_handler(UnknownField)
def on_refused_input(request, exc: InvalidInput):
    return on_domain_error(request, refusal(request) or exc)


@api.exception_handler(MultiPartParserError)
def on_unreadable_multipart(request, exc: MultiPartParserError):
    if "header size" in str(exc):  # Django reads at most 1 KB of a part's headers
        return error(
            request,
            422,
            gettext("The file name is too long: keep it under 1 KB (about 300 Chinese characters)."),
            "file_name_too_long",
            field="file",
        )
    return error(
        request,
        400,
        gettext("The upload could not be read: send it as multipart/form-data with a boundary."),
        "bad_multipart",
    )


@api.exception_handler(RequestDataTooBig)
def on_request_too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return error(
        request,
        413,
        gettext("The request is larger than %(limit)d MB without its files: send less at once.") % {"limit": limit},
        "too_large",
    )


@api.exception_handler(TooManyFieldsSent)
def on_too_many_fields(request, exc):
    return error(
        request,
        400,
        gettext("The request has more than %(limit)d form fields.") % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
        "too_many_fields",
    )


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
def on_bad_request(request, exc):
    return error(request, 400, gettext("The request could not be read."), "bad_request")


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    logger.exception("unexpected error in %s %s", request.method, request.path)
    request_id = getattr(request, "request_id", "")
    return error(
        request,
        500,
        gettext(
            "Something went wrong on our side; nothing was saved. Quote request id %(request_id)s when reporting it."
        )
        % {"request_id": request_id},
        "server_error",
    )


def mount_routers() -> None:
    """Mount every app's router; called once from urls.py."""
    from . import routers

    for prefix, router in routers.ROUTERS:
        api.add_router(prefix, router)
