"""Whether a latent-defect policy covers a claim, decided the moment it is filed, and why.

Plain values in, plain values out (no queries): the policy's terms, the date cover counts from
(completion acceptance), the category and the date the defect was found. Cover of a category runs
for its years from the end of the waiting period (DOMAIN.md s7 and s11): the window is
[acceptance + waiting period, that + years - 1 day], both ends inclusive.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from bim.ifc_names import ifc_class_label

# Qingdao / Hainan defaults, years of cover per defect category (configurable per policy)
DEFAULT_COVER_YEARS = {
    "structure": 10,
    "envelope": 10,
    "waterproofing": 5,
    "decoration": 2,
    "electrical": 2,
    "plumbing": 2,
    "equipment": 2,
}
DEFAULT_WAITING_PERIOD_YEARS = 2
# service times Plumbline tracks (DOMAIN.md s11): working days, emergencies in hours
DEFAULT_SERVICE_DAYS = {"survey": 2, "decision": 7, "repair_start": 15, "repair_finish": 60, "emergency_hours": 24}

CATEGORY_LABELS = {
    "structure": gettext_lazy("foundation and main structure"),
    "envelope": gettext_lazy("envelope insulation"),
    "waterproofing": gettext_lazy("waterproofing"),
    "decoration": gettext_lazy("decoration"),
    "electrical": gettext_lazy("electrical"),
    "plumbing": gettext_lazy("plumbing"),
    "equipment": gettext_lazy("equipment"),
}

# exclusion code -> (label, words in a description that make it suspected)
EXCLUSIONS = {
    "structural_change": (
        gettext_lazy("unauthorised change to the load-bearing structure"),
        ("拆墙", "砸墙", "拆除承重", "改动承重", "开洞", "打通", "remove wall", "knocked through", "structural change"),
    ),
    "wear": (gettext_lazy("normal wear"), ("磨损", "老化", "wear", "worn")),
    "misuse": (gettext_lazy("misuse"), ("使用不当", "人为损坏", "撞坏", "misuse", "damaged by")),
    "force_majeure": (gettext_lazy("force majeure"), ("地震", "台风", "洪水", "earthquake", "typhoon", "flood")),
}
DEFAULT_EXCLUSIONS = list(EXCLUSIONS)

# why an insurer declines a claim: the codes the API takes, the words a person reads
DECLINE_REASON_LABELS = {
    "before_window": gettext_lazy("found before cover started"),
    "after_window": gettext_lazy("found after cover ended"),
    "category_not_covered": gettext_lazy("category not covered"),
    "not_accepted": gettext_lazy("no completion acceptance yet"),
    **{code: label for code, (label, _words) in EXCLUSIONS.items()},
    "not_a_defect": gettext_lazy("not a defect"),
}


def decline_reason_label(code: str) -> str:
    """The words for a decline reason; an unknown code shows as itself."""
    return str(DECLINE_REASON_LABELS.get(code, code))


# IFC class -> defect category, for a claim on an element where the home owner picked none
IFC_CATEGORY = {
    "IfcFooting": "structure",
    "IfcPile": "structure",
    "IfcBeam": "structure",
    "IfcColumn": "structure",
    "IfcSlab": "structure",
    "IfcStair": "structure",
    "IfcStairFlight": "structure",
    "IfcRamp": "structure",
    "IfcMember": "structure",
    "IfcPlate": "structure",
    "IfcRoof": "waterproofing",
    "IfcCurtainWall": "envelope",
    "IfcWindow": "envelope",
    "IfcDoor": "decoration",
    "IfcCovering": "decoration",
    "IfcRailing": "decoration",
    "IfcPipeSegment": "plumbing",
    "IfcPipeFitting": "plumbing",
    "IfcSanitaryTerminal": "plumbing",
    "IfcValve": "plumbing",
    "IfcFlowSegment": "plumbing",
    "IfcFlowTerminal": "plumbing",
    "IfcCableSegment": "electrical",
    "IfcCableCarrierSegment": "electrical",
    "IfcLightFixture": "electrical",
    "IfcOutlet": "electrical",
    "IfcSwitchingDevice": "electrical",
    "IfcElectricDistributionBoard": "electrical",
    "IfcPump": "equipment",
    "IfcFan": "equipment",
    "IfcTransportElement": "equipment",
    "IfcUnitaryEquipment": "equipment",
}


# reason code -> its message; a claim keeps the code and the values, and each reader reads the
# message in their own language
REASON_MESSAGES = {
    "category_inferred": gettext_lazy("Category %(category)s read from the element's class %(ifc_class)s."),
    "category_not_covered": gettext_lazy("The policy does not cover %(category)s defects."),
    "category_covered": gettext_lazy("%(category)s defects are covered for %(years)d years."),
    "not_accepted": gettext_lazy("The building has no completion acceptance on record yet: cover has not started."),
    "before_window": gettext_lazy(
        "Found on %(found)s, before cover starts on %(start)s (%(waiting)d years after acceptance on "
        "%(accepted)s, %(source)s): the owner repairs it under the statutory warranty."
    ),
    "after_window": gettext_lazy("Found on %(found)s, after cover ended on %(end)s."),
    "in_window": gettext_lazy("Found on %(found)s, within cover from %(start)s to %(end)s."),
    "exclusion_suspected": gettext_lazy(
        "The description suggests an exclusion (%(exclusion)s): the survey will check it."
    ),
}
# a reason named in a few words, where its values are not kept (the audit trail keeps the codes)
REASON_LABELS = {
    "category_inferred": gettext_lazy("category read from the element's class"),
    "category_not_covered": gettext_lazy("category not covered by the policy"),
    "category_covered": gettext_lazy("category covered by the policy"),
    "not_accepted": gettext_lazy("no completion acceptance on record yet"),
    "before_window": gettext_lazy("found before cover starts"),
    "after_window": gettext_lazy("found after cover ended"),
    "in_window": gettext_lazy("found within the cover period"),
    "exclusion_suspected": gettext_lazy("an exclusion suspected"),
}
SOURCE_LABELS = {
    "policy": gettext_lazy("as written on policy %(number)s"),
    "acceptance_record": gettext_lazy("the unit project's acceptance record"),
    "completion_date": gettext_lazy("the project's completion date"),
}


def reason_message(code: str, params: dict) -> str:
    """The message of a reason in the current language, from the values kept with it."""
    values = dict(params or {})
    if "category" in values:
        values["category"] = CATEGORY_LABELS.get(values["category"], values["category"])
    if "source" in values:
        values["source"] = str(SOURCE_LABELS.get(values["source"], "")) % {"number": values.get("policy", "")}
    if "ifc_class" in values:  # the class as a person reads it; the claim keeps the class name
        values["ifc_class"] = ifc_class_label(values["ifc_class"])
    if "exclusion" in values:
        values["exclusion"] = EXCLUSIONS.get(values["exclusion"], (values["exclusion"],))[0]
    return str(REASON_MESSAGES[code]) % values


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return reason_message(self.code, self.params)


@dataclass(frozen=True)
class Cover:
    covered: bool
    reasons: list[Reason] = field(default_factory=list)
    window_start: datetime.date | None = None
    window_end: datetime.date | None = None

    def as_dict(self) -> dict:
        """What a claim keeps: codes and values, no text (read in each reader's language)."""
        return {
            "covered": self.covered,
            "reasons": [{"code": r.code, "params": r.params} for r in self.reasons],
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
        }


def read_cover(kept: dict) -> dict:
    """A kept cover with each reason's message in the current language."""
    return {
        **kept,
        "reasons": [
            {"code": r["code"], "message": reason_message(r["code"], r.get("params", {}))}
            for r in (kept or {}).get("reasons", [])
        ],
    }


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def category_of_ifc_class(ifc_class: str, *, is_external: bool | None = None) -> str | None:
    """The defect category an element of this class most likely belongs to: walls are envelope
    when external and structure otherwise (a partition's crack is the owner's first worry)."""
    if ifc_class in ("IfcWall", "IfcWallStandardCase", "IfcWallElementedCase"):
        return "envelope" if is_external else "structure"
    return IFC_CATEGORY.get(ifc_class)


def suspected_exclusions(description: str, exclusions: list[str]) -> list[str]:
    text = (description or "").lower()
    return [code for code in exclusions if code in EXCLUSIONS and any(w.lower() in text for w in EXCLUSIONS[code][1])]


def decide_cover(
    *,
    accepted_on: datetime.date | None,
    accepted_from: str,
    category: str,
    found_on: datetime.date,
    cover_years: dict[str, int],
    waiting_period_years: int,
    exclusions: list[str],
    description: str = "",
    inferred_from: str = "",
    policy_number: str = "",
) -> Cover:
    """The cover of one defect: in the category's window or not (with the dates), the category
    covered or not, exclusions the description suggests. `accepted_from` says where the
    acceptance date came from (policy, acceptance_record, completion_date), `inferred_from` the
    IFC class the category was read from."""
    reasons: list[Reason] = []
    if inferred_from:
        reasons.append(Reason("category_inferred", {"category": category, "ifc_class": inferred_from}))
    years = int(cover_years.get(category) or 0)
    if years <= 0:
        reasons.append(Reason("category_not_covered", {"category": category}))
        return Cover(False, reasons)
    reasons.append(Reason("category_covered", {"category": category, "years": years}))
    if accepted_on is None:
        reasons.append(Reason("not_accepted"))
        return Cover(False, reasons)
    start = add_years(accepted_on, waiting_period_years)
    end = add_years(start, years) - datetime.timedelta(days=1)
    dates = {"found": found_on.isoformat(), "start": start.isoformat(), "end": end.isoformat()}
    if found_on < start:
        basis = {"accepted": accepted_on.isoformat(), "source": accepted_from, "policy": policy_number}
        reasons.append(Reason("before_window", {**dates, **basis, "waiting": waiting_period_years}))
        covered = False
    elif found_on > end:
        reasons.append(Reason("after_window", dates))
        covered = False
    else:
        reasons.append(Reason("in_window", dates))
        covered = True
    for code in suspected_exclusions(description, exclusions):
        reasons.append(Reason("exclusion_suspected", {"exclusion": code}))
    return Cover(covered, reasons, start, end)
