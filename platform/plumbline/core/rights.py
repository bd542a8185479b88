"""The right an API write needs, declared on its endpoint and checked before anything else.

django-ninja parses and validates a request (body, form, files) before it calls the endpoint, so
a caller without the right would be told what is wrong with their input (422) before being told
they may not do this at all (403, or 404 when the object is invisible to them). An endpoint
decorated with `right_first(check)` runs `check(request, **path_params)` first, and the API's
validation-error handler runs the same check before it answers 422 (`refusal`).
"""

import functools

from .errors import DomainError


def right_first(check):
    """Decorate an endpoint (below its `@router.<method>`): `check(request, **path_params)`
    raises NotFound / PermissionDenied when the caller may not make this call."""

    def decorate(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            check(request, **_path_params(request))
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
    check = getattr(_endpoint(request), "right_check", None)
    if check is None:
        return None
    try:
        check(request, **_path_params(request))
    except DomainError as exc:
        return exc
    return None
