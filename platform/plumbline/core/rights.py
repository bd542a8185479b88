"""The right an API write needs, declared on its endpoint and checked before anything else.

django-ninja parses and validates a request (body, form, files) before it calls the endpoint, so
a caller without the right would be told what is wrong with their input (422) before being told
they may not do this at all (403, or 404 when the object is invisible to them). An endpoint
decorated with `right_first(check)` runs `check(request, **path_params)` first, and the API's
validation-error handler runs the same check before it answers 422 (`refusal`).
"""

import functools
import inspect

from .errors import DomainError


def right_first(check):
    """Decorate an endpoint (below its `@router.<method>`): `check(request, **path_params)`
    raises NotFound / PermissionDenied when the caller may not make this call."""

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            # ninja has validated the path by now: its ids convert
            check(request, **(_typed_path_params(request, view) or _path_params(request)))
            return view(request, *args, **kwargs)

        checked.right_check = check
        return checked

    return decorate


def _path_params(request) -> dict:
    match = getattr(request, "resolver_match", None)
    return dict(match.kwargs) if match is not None else {}


def operation_of(request):
    """The ninja operation this request was routed to, or None. ninja's URL pattern calls a view
    closed over its PathView, which holds one operation per method."""
    match = getattr(request, "resolver_match", None)
    for cell in getattr(getattr(match, "func", None), "__closure__", None) or ():
        for operation in getattr(cell.cell_contents, "operations", None) or ():
            if request.method in getattr(operation, "methods", ()):
                return operation
    return None


def _endpoint(request):
    """The endpoint function of the API operation this request was routed to, or None."""
    operation = operation_of(request)
    return operation.view_func if operation is not None else None


def refusal(request) -> DomainError | None:
    """Why the caller may not make this call at all (the error to answer instead of a 422), or
    None when they may, or the operation declares no right."""
    endpoint = _endpoint(request)
    check = getattr(endpoint, "right_check", None)
    if check is None:
        return None
    params = _typed_path_params(request, endpoint)
    if params is None:  # an id that is no id: the 422 names the path field
        return None
    try:
        check(request, **params)
    except DomainError as exc:
        return exc
    return None


def _typed_path_params(request, endpoint) -> dict | None:
    """The path parameters converted as the endpoint declares them (`claim_id: int`), or None
    when one of them does not convert: ninja has not validated them yet when `refusal` runs."""
    params = _path_params(request)
    annotations = getattr(inspect.unwrap(endpoint), "__annotations__", {})
    for name, value in params.items():
        if annotations.get(name) is int and not isinstance(value, int):
            try:
                params[name] = int(str(value), 10)
            except ValueError:
                return None
    return params
