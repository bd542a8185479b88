"""Check characters of Chinese identifiers: unified social credit codes (GB 32100-2015) and
resident ID numbers (GB 11643-1999), and six-digit administrative region codes (GB/T 2260)."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def credit_code_check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            f"A unified social credit code has 18 characters; {value!r} has {len(code)}.", code="credit_code_length"
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARS})
    if bad:
        raise ValidationError(
            f"A unified social credit code uses digits and capitals except I, O, S, V, Z; {value!r} contains "
            f"{', '.join(bad)}.",
            code="credit_code_characters",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            f"Characters 3-8 of a unified social credit code are the region code (digits); {value!r} has "
            f"{code[2:8]!r}.",
            code="credit_code_region",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            f"The check character of unified social credit code {value!r} is wrong: it should end in "
            f"{expected!r}, not {code[17]!r}. Check the code for a typing error.",
            code="credit_code_check",
        )


def id_number_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    """Full-width digits and Ｘ (typed with a Chinese input method) become their ASCII forms."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def validate_id_number(value: str) -> None:
    number = (value or "").strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError(
            f"A resident ID number has 17 digits and a final digit or X; {value!r} does not.", code="id_number_format"
        )
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            f"Digits 7-14 of resident ID number {value!r} are not a real date of birth.", code="id_number_birth_date"
        ) from None
    if not (born.year >= 1800 and born <= datetime.date.today()):
        raise ValidationError(
            f"The date of birth in resident ID number {value!r} is out of range.", code="id_number_birth_date"
        )
    expected = id_number_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError(
            f"The check digit of resident ID number {value!r} is wrong: it should end in {expected!r}, not "
            f"{number[17]!r}. Check the number for a typing error.",
            code="id_number_check",
        )


def mask_id_number(value: str) -> str:
    """Keep the province and city (first 4) and the last 4 characters: enough to tell two people
    apart, not enough to read the district or the date of birth (4401**********123X)."""
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# The provinces, autonomous regions, municipalities and SARs of GB/T 2260 (the first two digits).
PROVINCE_CODES = frozenset(
    {
        *("11", "12", "13", "14", "15"),  # north
        *("21", "22", "23"),  # north-east
        *("31", "32", "33", "34", "35", "36", "37"),  # east
        *("41", "42", "43", "44", "45", "46"),  # south-central
        *("50", "51", "52", "53", "54"),  # south-west
        *("61", "62", "63", "64", "65"),  # north-west
        *("71", "81", "82"),  # Taiwan, Hong Kong, Macao
    }
)


def validate_region_code(value: str) -> None:
    if not re.fullmatch(r"[0-9]{6}", value or ""):
        raise ValidationError(
            f"A region code has six digits (GB/T 2260, e.g. 440106); {value!r} does not.", code="region_code"
        )
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(
            gettext("%(value)s is not a region code: its first two digits name no province (GB/T 2260, e.g. 440106).")
            % {"value": value},
            code="region_code",
        )


def region_prefix(region_code: str) -> str:
    """The part of a region code that a jurisdiction covers: 440000 -> 44, 440100 -> 4401."""
    code = region_code
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code
