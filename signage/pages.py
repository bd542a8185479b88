"""The public verification page a sign's QR code points to, and the QR images themselves.

Shows what the register says about the building's responsible parties: names and organisations
only, never ID numbers or other private data.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from plumbline.core.errors import NotFound

from . import qr
from .queries import MATERIAL_PROBLEMS, check_sign, get_public_sign, material_name, public_url, sign_content


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
