"""Forms on the tablet pages: one post calls one action; a refused post comes back with the typed
input and the action's message next to its field (422, 409 ...), and a form sent twice (a double
tap, a resend after a slow answer) does its work once, by a one-time token in a hidden field."""

import uuid
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext

from .errors import DomainError, NotFound, PermissionDenied

TOKEN_FIELD = "form_token"
KEPT_TOKENS = 100  # the session remembers this many sent forms


@dataclass
class FormState:
    """What a form template shows: `values` typed (`<name>_list` for several ticked boxes),
    `errors` by field, `error` for the form."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    error: str = ""
    token: str = ""
    status: int = 200


def new_form(values: dict | None = None) -> FormState:
    return FormState(values=dict(values or {}), token=uuid.uuid4().hex)


def _sent(request) -> list:
    return request.session.get("sent_form_tokens", [])


def submit(request, call, *, done: str, success: str = "", fields: tuple = ()):
    """Run `call()` (an action) for a posted form. Success: a message and a redirect to `done`.
    A token seen before: nothing runs, the same redirect. Refused: a FormState to render again
    (with the post's values, the message at its field or at the top, the error's status)."""
    values = {k: request.POST.get(k, "") for k in request.POST}
    values.update({f"{k}_list": request.POST.getlist(k) for k in request.POST})  # boxes ticked
    token = request.POST.get(TOKEN_FIELD, "")
    if token and token in _sent(request):
        messages.info(request, gettext("This form was sent already; it was done once."))
        return redirect(done if isinstance(done, str) else request.get_full_path())
    try:
        result = call()
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
    except DomainError as exc:
        state = FormState(values=values, token=token or uuid.uuid4().hex, status=exc.status_code)
        where = exc.extra.get("field")
        if where and (not fields or where in fields):
            state.errors[where] = exc.detail
        else:
            state.error = exc.detail
        return state
    if token:
        request.session["sent_form_tokens"] = (_sent(request) + [token])[-KEPT_TOKENS:]
    if success:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(done(result) if callable(done) else done)
