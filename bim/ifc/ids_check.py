"""Checking a model against a buildingSMART IDS with ifctester: plain results per element and
requirement. Entity names match exactly, as IDS says: a rule on IFCWALL does not match
IFCWALLSTANDARDCASE."""

from dataclasses import dataclass

import ifcopenshell
from ifctester import ids

from .failures import failure_text


class IdsError(Exception):
    """The IDS file cannot be used: `code` and `params` say why (failures.py), the text in English."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, {k: str(v) for k, v in params.items()}
        super().__init__(failure_text(code, self.params))


def parse_ids(xml: str) -> ids.Ids:
    try:
        return ids.from_string(xml)
    except Exception as exc:  # ifctester raises ParseError, XMLSchemaValidationError, IdsXmlValidationError...
        raise IdsError("not_ids", error=str(exc).splitlines()[0][:300]) from None


@dataclass(frozen=True)
class RequirementResult:
    specification: str
    requirement: str
    global_id: str
    is_passed: bool
    reason: str


def check(specification_xml: str, model: ifcopenshell.file) -> tuple[list[dict], list[RequirementResult]]:
    """Per specification counts, and one result per applicable element and requirement."""
    document = parse_ids(specification_xml)
    document.validate(model)
    summary, results = [], []
    for spec in document.specifications:
        applicable = [e for e in spec.applicable_entities if hasattr(e, "GlobalId")]
        for facet in spec.requirements:
            text = facet.to_string("requirement", spec, facet)
            failed = {f["element"].id(): f.get("reason") or "" for f in facet.failures if f.get("element") is not None}
            for element in applicable:
                reason = failed.get(element.id())
                results.append(RequirementResult(spec.name, text, element.GlobalId, reason is None, reason or ""))
        failed_ids = {e.GlobalId for e in spec.failed_entities if hasattr(e, "GlobalId")}
        summary.append(
            {
                "specification": spec.name,
                "applicable": len(applicable),
                "failed": len(failed_ids),
                "passed": len(applicable) - len(failed_ids),
                "status": bool(spec.status),
            }
        )
    return summary, results
