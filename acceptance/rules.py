"""The numbers and rules of GB 50300-2013 the acceptance app applies: the catalogue of divisions,
sub-divisions and sub-items (appendix B, loaded from data/gb50300-catalogue.json), the minimum
sample size of a lot (table 3.0.9), how a lot's check items pass, and who signs each level."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .models import Capacity, Level

CATALOGUE_FILE = Path(__file__).parent / "data" / "gb50300-catalogue.json"

# (largest capacity, minimum samples), GB 50300-2013 table 3.0.9
SAMPLE_SIZES = [(15, 2), (25, 3), (90, 5), (150, 8), (280, 13), (500, 20), (1200, 32), (3200, 50)]
LARGEST_LOT = 3200  # a larger lot should be split
GENERAL_PASS_RATE = 0.8  # general items: the usual share of passing points (configurable per item)

# divisions whose acceptance the design leader also signs, and the survey leader (DOMAIN.md s5)
FOUNDATION = "01"
MAIN_STRUCTURE = "02"
ENERGY = "09"


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    level: str
    name: str
    name_en: str
    parent: str | None
    needs_design: bool = False  # a division the catalogue marks as signed by the design leader


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    """Every division, sub-division and sub-item of the catalogue by its code."""
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    entries: dict[str, CatalogueEntry] = {}
    for division in data["divisions"]:
        entries[division["code"]] = CatalogueEntry(
            division["code"],
            Level.DIVISION,
            division["name_zh"],
            division.get("name_en", ""),
            None,
            bool(division.get("needs_design")),
        )
        for sub in division["sub_divisions"]:
            entries[sub["code"]] = CatalogueEntry(
                sub["code"], Level.SUB_DIVISION, sub["name_zh"], sub.get("name_en", ""), division["code"]
            )
            for item in sub["sub_items"]:
                entries[item["code"]] = CatalogueEntry(
                    item["code"], Level.SUB_ITEM, item["name_zh"], item.get("name_en", ""), sub["code"]
                )
    return entries


def minimum_sample_size(capacity: float) -> int:
    """The fewest points to sample in a lot of this capacity (a lot of one is checked whole)."""
    if capacity <= 1:
        return max(int(capacity), 1) if capacity > 0 else 0
    for largest, samples in SAMPLE_SIZES:
        if capacity <= largest:
            return samples
    return SAMPLE_SIZES[-1][1]


def is_design_related(level: str, code: str) -> bool:
    """A division whose acceptance the design leader signs: foundation, main structure, energy,
    and any the catalogue marks as needing design. Where the project has an architect in charge,
    the owner signs these too, through the architect on its behalf (建筑师负责制)."""
    if level != Level.DIVISION:
        return False
    entry = catalogue().get(code)
    return code in (FOUNDATION, MAIN_STRUCTURE, ENERGY) or (entry is not None and entry.needs_design)


def required_capacities(level: str, code: str, *, architect_in_charge: bool = False) -> list[str]:
    """Who signs a node of this level (and, for a division, of this catalogue code); with
    `architect_in_charge`, a design-related division also needs the owner's sign-off."""
    if level == Level.INSPECTION_LOT:
        return [Capacity.QUALITY_INSPECTOR, Capacity.FOREMAN, Capacity.SUPERVISING_ENGINEER]
    if level == Level.SUB_ITEM:
        return [Capacity.TECHNICAL_LEAD, Capacity.SUPERVISING_ENGINEER]
    if level == Level.SUB_DIVISION:
        return [Capacity.TECHNICAL_LEAD, Capacity.PROJECT_MANAGER, Capacity.CHIEF_SUPERVISING_ENGINEER]
    if level == Level.DIVISION:
        signers = [Capacity.TECHNICAL_LEAD, Capacity.PROJECT_MANAGER, Capacity.CHIEF_SUPERVISING_ENGINEER]
        if code == FOUNDATION:
            signers += [Capacity.SURVEY_LEADER, Capacity.DESIGN_LEADER]
        elif is_design_related(level, code):
            signers += [Capacity.DESIGN_LEADER]
        if architect_in_charge and is_design_related(level, code):
            signers += [Capacity.OWNER_LEADER]
        return signers
    return [
        Capacity.OWNER_LEADER,
        Capacity.SURVEY_LEADER,
        Capacity.DESIGN_LEADER,
        Capacity.PROJECT_MANAGER,
        Capacity.CHIEF_SUPERVISING_ENGINEER,
    ]


# capacities held through a membership role on the signing date (the contractor's site staff also
# need the contractor's designation for that date: SiteDesignation), and through being the leader
# of a party appointed on it
MEMBERSHIP_CAPACITIES = {
    "inspector": {Capacity.SUPERVISING_ENGINEER},
    "chief_inspector": {Capacity.SUPERVISING_ENGINEER},
}
DESIGNATED_ROLE = "contractor"  # the membership a designated capacity needs on the same date
LEADER_CAPACITIES = {
    "owner": Capacity.OWNER_LEADER,
    "surveyor": Capacity.SURVEY_LEADER,
    "designer": Capacity.DESIGN_LEADER,
    "contractor": Capacity.PROJECT_MANAGER,
    "supervisor": Capacity.CHIEF_SUPERVISING_ENGINEER,
}
# the architect in charge signs as the owner's leader, on the owner's behalf, where
# `is_design_related`; nowhere else (the owner's leader organises the unit project's acceptance)
ARCHITECT_PARTY = "architect"
ARCHITECT_CAPACITY = Capacity.OWNER_LEADER


@dataclass
class ItemOutcome:
    passed: bool
    points: int
    passing: int
    reason: str  # "" when passed: main_point_failed | pass_rate_low | serious_defect


def point_passes(point: dict) -> bool:
    """A sampled point passes when it is marked so, or its measured value lies within the design
    value plus its tolerances; a serious defect never passes."""
    if point.get("serious_defect"):
        return False
    if point.get("passed") is not None:
        return bool(point["passed"])
    design = point.get("design") or 0.0
    low, high = point.get("tolerance_low"), point.get("tolerance_high")
    measured = point["measured"]
    return (low is None or measured >= design + low) and (high is None or measured <= design + high)


def judge_item(item: dict) -> ItemOutcome:
    """Main-control items pass when every point passes; general items when the share of passing
    points reaches the item's pass rate and no point has a serious defect."""
    points = item.get("points") or []
    if not points:
        passed = item.get("result") == "pass"
        return ItemOutcome(passed, 0, 0, "" if passed else "item_failed")
    passing = sum(1 for p in points if point_passes(p))
    if item["kind"] == "main":
        passed = passing == len(points)
        return ItemOutcome(passed, len(points), passing, "" if passed else "main_point_failed")
    if any(p.get("serious_defect") for p in points):
        return ItemOutcome(False, len(points), passing, "serious_defect")
    rate = item.get("pass_rate")
    rate = GENERAL_PASS_RATE if rate is None else rate
    passed = passing >= rate * len(points) - 1e-9
    return ItemOutcome(passed, len(points), passing, "" if passed else "pass_rate_low")
