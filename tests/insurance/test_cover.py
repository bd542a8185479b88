"""Cover decided from the policy's terms: each category's window counted from the end of the
waiting period after completion acceptance, both boundary days inside, the day either side out."""

import datetime

import pytest

from insurance.cover import DEFAULT_COVER_YEARS, add_years, category_of_ifc_class, decide_cover

D = datetime.date
ACCEPTED = D(2024, 3, 15)


def cover(category, found_on, **kw):
    terms = {
        "accepted_on": ACCEPTED,
        "accepted_from": "test",
        "cover_years": DEFAULT_COVER_YEARS,
        "waiting_period_years": 2,
        "exclusions": ["structural_change", "wear"],
        **kw,
    }
    return decide_cover(category=category, found_on=found_on, **terms)


@pytest.mark.parametrize(
    ("category", "years"),
    [
        ("structure", 10),
        ("envelope", 10),
        ("waterproofing", 5),
        ("decoration", 2),
        ("electrical", 2),
        ("plumbing", 2),
        ("equipment", 2),
    ],
)
def test_each_category_is_covered_from_the_end_of_the_waiting_period_for_its_years(category, years):
    start = D(2026, 3, 15)
    end = add_years(start, years) - datetime.timedelta(days=1)
    before, first, last, after = (
        cover(category, start - datetime.timedelta(days=1)),
        cover(category, start),
        cover(category, end),
        cover(category, end + datetime.timedelta(days=1)),
    )
    assert [c.covered for c in (before, first, last, after)] == [False, True, True, False]
    assert (first.window_start, first.window_end) == (start, end)
    assert "before_window" in [r.code for r in before.reasons]
    assert "after_window" in [r.code for r in after.reasons]
    assert "in_window" in [r.code for r in first.reasons]
    # the reason gives the dates a home owner needs to understand it
    assert start.isoformat() in next(r.message for r in before.reasons if r.code == "before_window")
    assert end.isoformat() in next(r.message for r in after.reasons if r.code == "after_window")


def test_a_category_the_policy_does_not_cover_is_not_covered_whatever_the_date():
    result = cover("decoration", D(2026, 6, 1), cover_years={**DEFAULT_COVER_YEARS, "decoration": 0})
    assert not result.covered
    assert [r.code for r in result.reasons] == ["category_not_covered"]


def test_without_an_acceptance_date_cover_has_not_started():
    result = cover("structure", D(2026, 6, 1), accepted_on=None)
    assert not result.covered
    assert "not_accepted" in [r.code for r in result.reasons]
    assert result.window_start is None


def test_a_description_suggesting_an_exclusion_is_flagged_for_the_survey():
    result = cover("structure", D(2027, 1, 1), description="装修时拆墙后楼板开裂")
    assert "exclusion_suspected" in [r.code for r in result.reasons]
    # only the exclusions the policy lists are suspected
    assert "exclusion_suspected" not in [
        r.code for r in cover("structure", D(2027, 1, 1), description="台风后开裂").reasons
    ]


def test_the_category_is_read_from_the_ifc_class():
    assert category_of_ifc_class("IfcWall", is_external=True) == "envelope"
    assert category_of_ifc_class("IfcWall", is_external=False) == "structure"
    assert category_of_ifc_class("IfcSlab") == "structure"
    assert category_of_ifc_class("IfcSanitaryTerminal") == "plumbing"
    assert category_of_ifc_class("IfcFurniture") is None


def test_a_window_from_29_february_ends_on_28_february():
    assert add_years(D(2024, 2, 29), 2) == D(2026, 2, 28)
