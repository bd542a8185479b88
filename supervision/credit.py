"""Quality credit (质量失信记分): the rules that turn events into points against an organisation,
the rolling window and the tiers (DOMAIN.md section 12). The numbers are Plumbline's defaults;
a region overrides them with the SUPERVISION_CREDIT settings (a dict with any of these keys)."""

import datetime

from django.conf import settings

DEFAULTS = {
    # rule -> points
    "letter_overdue": 1,  # per letter per month overdue
    "material_test_failed": 3,
    "critical_finding_past_due": 2,
    "claim_upheld": 5,
    "supervision_violation_min": 3,  # by severity, 3 to 10
    "supervision_violation_max": 10,
    "window_months": 24,
    # tier -> the fewest points that put an organisation in it
    "tiers": {"A": 0, "B": 3, "C": 10, "D": 20},
}
RULES = ("letter_overdue", "material_test_failed", "critical_finding_past_due", "claim_upheld", "supervision_violation")


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "SUPERVISION_CREDIT", {})}


def tier_of(points: int) -> str:
    tiers = sorted(config()["tiers"].items(), key=lambda t: t[1])
    found = tiers[0][0]
    for tier, least in tiers:
        if points >= least:
            found = tier
    return found


def window_start(today: datetime.date) -> datetime.date:
    """The first day counted: the same day `window_months` months back."""
    months = config()["window_months"]
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = min(today.day, 28)
    return datetime.date(year, month + 1, day)


WORST_FIRST = ("D", "C", "B", "A")


def worst_tier(tiers) -> str:
    tiers = set(tiers)
    return next((t for t in WORST_FIRST if t in tiers), "A")
