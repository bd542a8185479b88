"""The materials a permanent sign may be made of: a closed list of stone and metal (DOMAIN.md
section 3, "material is a checked field"), plus the extras a deployment configures in
SIGN_EXTRA_MATERIALS. A sign names one of these by its code; nothing else is accepted, so a
foam board described as "imitation marble" can no longer pass as marble.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language


@dataclass(frozen=True)
class SignMaterial:
    code: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        """The name in the language of the request (Chinese unless English was chosen)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


BUILT_IN_MATERIALS = (
    SignMaterial("granite", "花岗岩", "granite"),
    SignMaterial("marble", "大理石", "marble"),
    SignMaterial("stainless_steel", "不锈钢", "stainless steel"),
    SignMaterial("cast_copper", "铸铜", "cast copper"),
    SignMaterial("brass", "黄铜", "brass"),
    SignMaterial("bronze", "青铜", "bronze"),
    SignMaterial("cast_iron", "铸铁", "cast iron"),
    SignMaterial("aluminium_plate", "铝板", "aluminium plate"),
)


def accepted_materials() -> tuple[SignMaterial, ...]:
    """The built-in materials, then the configured extras, in that order."""
    builtin_codes = {m.code for m in BUILT_IN_MATERIALS}
    extras = []
    for code, name_zh, name_en in settings.SIGN_EXTRA_MATERIALS:
        if code in builtin_codes:
            raise ImproperlyConfigured(f"SIGN_EXTRA_MATERIALS repeats the built-in material {code!r}")
        extras.append(SignMaterial(code, name_zh, name_en))
    return BUILT_IN_MATERIALS + tuple(extras)


def get_material(code: str) -> SignMaterial | None:
    return next((m for m in accepted_materials() if m.code == code), None)


def find_material(text: str) -> SignMaterial | None:
    """The material named exactly by its code, Chinese or English name (never a part of the text:
    "泡沫仿大理石" is not marble)."""
    wanted = " ".join((text or "").split()).lower()
    return next((m for m in accepted_materials() if wanted in (m.code, m.name_zh, m.name_en.lower())), None)


def describe_accepted() -> str:
    """The accepted materials for an error message: `granite (花岗岩), marble (大理石), ...`."""
    return ", ".join(f"{m.code} ({m.name_zh})" for m in accepted_materials())
