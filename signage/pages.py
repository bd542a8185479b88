"""The public verification page a sign's QR code points to, and the QR images themselves; for
signed-in project members, the project's signs, a sign's page with its QR code, and a page to
print the QR code from.

The public page shows what the register says about the building's responsible parties: names and
organisations only, never ID numbers or other private data.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from plumbline.core.errors import NotFound, PermissionDenied
from projects.queries import get_project

from . import qr
from .queries import (
    MATERIAL_PROBLEMS,
    check_sign,
    get_public_sign,
    get_sign,
    list_signs,
    material_name,
    public_url,
    sign_content,
)


def _sign(token):
    try:
        return get_public_sign(token)
    except NotFound:
        raise Http404("No sign with this code.") from None


@require_GET
def verify_sign(request, token: str):
    sign = _sign(token)
    register = sign_content(sign.project, sign.building)
    # The passer-by is told where the register changed; the material is shown, not judged, here.
    problems = [p for p in check_sign(sign) if p.code not in MATERIAL_PROBLEMS]
    return render(
        request,
        "signage/verify.html",
        {
            "sign": sign,
            "register": register,
            "matches": not problems,
            "problems": problems,
            "material_name": material_name(sign),
        },
    )


@require_GET
@cache_control(max_age=86400, public=True)
def sign_qr(request, token: str, fmt: str):
    if fmt not in ("svg", "png"):
        raise Http404("QR codes come as qr.svg or qr.png.")
    sign = _sign(token)
    if fmt == "svg":
        return HttpResponse(qr.qr_svg(public_url(sign)), content_type="image/svg+xml")
    return HttpResponse(qr.qr_png(public_url(sign)), content_type="image/png")


def _project(request, code):
    try:
        return get_project(code, user=request.user, action="register.view")
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:  # a member whose role may not see the register
        raise DjangoPermissionDenied(exc.detail) from None


def _member_sign(request, code, sign_id):
    project = _project(request, code)
    try:
        return project, get_sign(project, sign_id, user=request.user)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def signs_page(request, code: str):
    project = _project(request, code)
    signs = list(list_signs(project, user=request.user, include_retired=True))
    return render(request, "signage/signs.html", {"project": project, "signs": signs})


@login_required
@require_GET
def sign_page(request, code: str, sign_id: int):
    """A sign as recorded, where it differs from the register, and its QR code to see and print."""
    project, sign = _member_sign(request, code, sign_id)
    return render(
        request,
        "signage/sign.html",
        {
            "project": project,
            "sign": sign,
            "problems": check_sign(sign),
            "material_name": material_name(sign),
            "public_url": public_url(sign),
        },
    )


@login_required
@require_GET
def print_sign_qr(request, code: str, sign_id: int):
    """The QR code alone with what identifies the sign, laid out to print (A4, about 80 mm)."""
    project, sign = _member_sign(request, code, sign_id)
    return render(request, "signage/print_qr.html", {"project": project, "sign": sign, "public_url": public_url(sign)})
