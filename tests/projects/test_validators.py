"""Credit codes (GB 32100) and resident ID numbers (GB 11643) are checked by their check character."""

import pytest
from django.core.exceptions import ValidationError

from projects.validators import (
    mask_id_number,
    normalise_id_number,
    region_prefix,
    validate_credit_code,
    validate_id_number,
    validate_region_code,
)

REAL_CREDIT_CODES = ["91110000802100433B", "91350100M000100Y43", "91440300708461136T", "9144030071526726XG"]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000802100433C", "should end in 'B', not 'C'"),  # one wrong check character
        ("91110000802100434B", "check character .* is wrong"),  # a typo in the body
        ("9111000080210043B", "has 17"),
        ("91110000802100433I", "except I, O, S, V, Z"),
        ("9111AB00802100433B", "region code"),
    ],
)
def test_wrong_credit_codes_are_refused_with_the_reason(code, message):
    with pytest.raises(ValidationError, match=message):
        validate_credit_code(code)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "110101199003071233"])
def test_real_format_id_numbers_are_accepted(number):
    validate_id_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "should end in 'X', not '1'"),
        ("110101199003071234", "should end in '3'"),
        ("11010519491231002", "17 digits and a final digit or X"),
        ("11010519491332002X", "not a real date of birth"),
        ("1101051949123100AX", "17 digits"),
    ],
)
def test_wrong_id_numbers_are_refused_with_the_reason(number, message):
    with pytest.raises(ValidationError, match=message):
        validate_id_number(number)


def test_masked_id_numbers_keep_province_city_and_last_four():
    assert mask_id_number("11010519491231002X") == "1101**********002X"


def test_a_jurisdiction_covers_the_regions_below_it():
    assert region_prefix("440000") == "44"
    assert region_prefix("440100") == "4401"
    assert region_prefix("440106") == "440106"


def test_an_id_number_typed_in_full_width_digits_is_read_as_ascii():
    assert normalise_id_number(" １１０１０５１９４９１２３１００２Ｘ ") == "11010519491231002X"
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"


def test_an_id_number_in_full_width_digits_is_refused_unless_normalised():
    with pytest.raises(ValidationError, match="17 digits"):
        validate_id_number("１１０１０５１９４９１２３１００２X")


@pytest.mark.parametrize("code", ["440106", "110000", "650102", "820000", "710000"])
def test_real_region_codes_are_accepted(code):
    validate_region_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [("000000", "name no province"), ("990101", "name no province"), ("４４０１０６", "six digits"), ("4401", "six")],
)
def test_region_codes_of_no_province_are_refused(code, message, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match=message):
        validate_region_code(code)
