"""The "double random" draw (双随机) as a pure function of its published seed and its pool, so that
anyone holding both recomputes the same result (DOMAIN.md section 12).

Algorithm plumbline-draw/1: SHA-256 of "<seed>|<period>" read as a big-endian integer seeds
Python's Mersenne Twister (random.Random); the pool's projects are taken in the order of their
codes and each is drawn when random() falls below the weight of its tier; then, for each drawn
project in the same order, `inspectors_per_project` inspectors are drawn with random.sample from
the roster (in the order of its ids) less those with a conflict of interest with one of the
project's parties. Plain values in, plain values out.
"""

import calendar
import datetime
import hashlib
import random
import re

ALGORITHM = "plumbline-draw/1"
# tiered supervision: a project is drawn with the probability of its worst party's tier
TIER_WEIGHTS = {"A": 0.1, "B": 0.2, "C": 0.5, "D": 1.0}


def rng_of(seed: str, period: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}|{period}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def run_draw(*, seed: str, period: str, pool: dict, inspectors_per_project: int) -> list[dict]:
    """`pool`: {"projects": [{"code", "tier", "weight", "organisations": [credit codes]}],
    "inspectors": [{"id", "name", "conflicts": [credit codes]}]} -> the drawn projects in code
    order, each {"project", "tier", "inspectors": [{"id", "name"}], "short_of_inspectors": bool}."""
    rng = rng_of(seed, period)
    projects = sorted(pool["projects"], key=lambda p: p["code"])
    drawn = [p for p in projects if rng.random() < p["weight"]]
    roster = sorted(pool["inspectors"], key=lambda i: i["id"])
    result = []
    for project in drawn:
        parties = set(project["organisations"])
        eligible = [i for i in roster if not parties & set(i["conflicts"])]
        chosen = rng.sample(eligible, min(inspectors_per_project, len(eligible)))
        result.append(
            {
                "project": project["code"],
                "tier": project["tier"],
                "inspectors": [{"id": i["id"], "name": i["name"]} for i in chosen],
                "short_of_inspectors": len(chosen) < inspectors_per_project,
            }
        )
    return result


def period_end(period: str) -> datetime.date | None:
    """The last day of a period named 2026-Q3, 2026-07, 2026-H2 or 2026; None for another name
    (its drawn inspectors then hold their projects until the results are signed)."""
    match = re.fullmatch(r"(\d{4})(?:-(?:Q([1-4])|H([12])|(\d{2})))?", period.strip(), flags=re.IGNORECASE)
    if match is None:
        return None
    year, quarter, half, month = match.groups()
    if quarter:
        last_month = int(quarter) * 3
    elif half:
        last_month = int(half) * 6
    elif month:
        last_month = int(month)
        if not 1 <= last_month <= 12:
            return None
    else:
        last_month = 12
    return datetime.date(int(year), last_month, calendar.monthrange(int(year), last_month)[1])
