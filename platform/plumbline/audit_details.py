"""What changed in an audit event, as a person reads it: each field by its words, a value with
choices by its model's label (a finding's status, a member's role, a signature's capacity), a
moment in the local time zone to the minute, a file fingerprint shortened (whole on hover). Only
the page reads this; the API and exports keep the stored codes."""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from .audit_labels import field_label

HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
HASH_SHOWN = 12  # characters of a fingerprint on the page; the title holds it whole
TEXT_SHOWN = 240  # characters of one text value; the API has it whole
ITEMS_SHOWN = 8  # items of one list value
DEPTH = 3  # nesting shown; deeper values as their count


@cache
def _models_by_name() -> dict:
    return {model.__name__: model for model in apps.get_models()}


@cache
def _choices_by_field() -> dict[str, dict]:
    """Fields whose values are choices of a model other than the event's target (a signature's
    capacity on a node, the capacities a lot waits for), or inside a value (a member's role)."""
    from acceptance.materials.models import EntryResult
    from acceptance.models import Capacity, PlanStatus
    from inspections.models import Severity
    from insurance.cover import DECLINE_REASON_LABELS
    from plumbline.core.permissions import Role
    from projects.models import Party, ProjectStage
    from supervision.models import Outcome

    named = {
        "capacity": Capacity,
        "waiting_for": Capacity,
        "party": Party,
        "role": Role,
        "severity": Severity,
        "stage": ProjectStage,
        "plan_status": PlanStatus,
        "entry_result": EntryResult,
        "outcome": Outcome,
    }
    return {
        **{field: dict(choices.choices) for field, choices in named.items()},
        "exclusions": DECLINE_REASON_LABELS,
    }


class _Named(Mapping):
    """Codes named by a catalogue's function in the reader's language (a material category, a
    test): a code the catalogue does not know shows as itself."""

    def __init__(self, name_of):
        self.name_of = name_of

    def __getitem__(self, code):
        return self.name_of(code)

    def __contains__(self, code):
        return isinstance(code, str) and self.name_of(code) != code

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


@cache
def _choices_by_action() -> dict[tuple[str, str], Mapping]:
    """A field whose choices depend on the action: a result, a kind, a status of another model,
    a catalogue's code."""
    from acceptance.materials.models import BatchStatus
    from acceptance.materials.queries import category_name
    from acceptance.materials.sampling import name_of_test
    from acceptance.models import DocumentKind, InspectionResult
    from inspections.models import ItemResult, PhotoKind
    from insurance.cover import DECLINE_REASON_LABELS, REASON_LABELS
    from supervision.models import CHANNEL_LABELS

    return {
        ("acceptance.lot_inspected", "result"): dict(InspectionResult.choices),
        ("checklist.item_answered", "result"): dict(ItemResult.choices),
        ("finding.photo_added", "kind"): dict(PhotoKind.choices),
        ("acceptance.document_filed", "kind"): dict(DocumentKind.choices),
        ("lab_report.recorded", "status"): dict(BatchStatus.choices),
        ("claim.decline", "reasons"): DECLINE_REASON_LABELS,
        ("claim.filed", "reasons"): REASON_LABELS,
        ("material_batch.created", "category"): _Named(category_name),
        ("sample.recorded", "tests"): _Named(name_of_test),
        ("complaint.filed", "channel"): CHANNEL_LABELS,
    }


@cache
def _choices_by_key() -> dict:
    """Values that are dicts keyed by choices: a policy's years of cover per defect category."""
    from insurance.models import DefectCategory

    return {"cover_years": dict(DefectCategory.choices)}


def _choices(action: str, target_type: str, field: str) -> dict:
    if (action, field) in _choices_by_action():
        return _choices_by_action()[(action, field)]
    model = _models_by_name().get(target_type)
    if model is not None:
        try:
            choices = model._meta.get_field(field).flatchoices
        except (FieldDoesNotExist, AttributeError):
            choices = None
        if choices:
            return dict(choices)
    return _choices_by_field().get(field, {})


def _text(value: str) -> SafeString:
    shown = value if len(value) <= TEXT_SHOWN else value[: TEXT_SHOWN - 1] + "…"
    return format_html("{}", shown)


def _moment(value: str) -> str | None:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def plain_value(value, *, choices: dict | None = None, field: str = "", depth: int = 0) -> SafeString:
    """One stored value as HTML a person reads."""
    choices = {} if choices is None else choices
    if value is None or value == "":
        return mark_safe("–")
    if isinstance(value, bool):
        return format_html("{}", pgettext("audit value", "yes") if value else pgettext("audit value", "no"))
    if isinstance(value, str):
        if value in choices:
            return format_html("{}", choices[value])
        if HEX_DIGEST.fullmatch(value):
            return format_html('<span class="hash" title="{}">{}…</span>', value, value[:HASH_SHOWN])
        if MOMENT.match(value) and (moment := _moment(value)):
            return format_html('<time datetime="{}">{}</time>', value, moment)
        return _text(value)
    if isinstance(value, list | tuple):
        if depth >= DEPTH:
            return format_html("{}", gettext("%(n)s items") % {"n": len(value)})
        shown = [plain_value(v, choices=choices, field=field, depth=depth + 1) for v in value[:ITEMS_SHOWN]]
        if len(value) > ITEMS_SHOWN:
            shown.append(format_html("{}", gettext("… (%(n)s in all)") % {"n": len(value)}))
        return format_html_join(pgettext("audit list separator", ", "), "{}", ((v,) for v in shown)) or mark_safe("–")
    if isinstance(value, dict):
        return _plain_dict(value, field=field, depth=depth)
    return format_html("{}", value)


def _plain_dict(value: dict, *, field: str, depth: int) -> SafeString:
    if not value:
        return mark_safe("–")
    if value.get("type") == "Point" and isinstance(value.get("coordinates"), list):
        return format_html("{}", ", ".join(str(c) for c in value["coordinates"]))
    if depth >= DEPTH:
        return format_html("{}", gettext("%(n)s items") % {"n": len(value)})
    key_labels = _choices_by_key().get(field, {})
    pairs = []
    for key, item in sorted(value.items()):  # PostgreSQL's jsonb keeps its own order
        label = key_labels.get(key) or field_label(key)
        shown = plain_value(item, choices=_choices_by_field().get(key), field=key, depth=depth + 1)
        pairs.append(format_html(pgettext("audit field and value", "{}: {}"), label, shown))
    return format_html_join(pgettext("audit pair separator", "; "), "{}", ((p,) for p in pairs))


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: SafeString | None  # None: the field was set, not changed
    new: SafeString


def describe_changes(action: str, target_type: str, changes: dict) -> list[Change]:
    """`{field: [old, new]}` of one event, field by field, in words."""
    described = []
    for field, value in sorted((changes or {}).items()):  # the same order on every database
        choices = _choices(action, target_type, field)
        label = field_label(field, action)
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            described.append(
                Change(
                    field,
                    label,
                    None if old is None else plain_value(old, choices=choices, field=field),
                    plain_value(new, choices=choices, field=field),
                )
            )
        else:
            described.append(Change(field, label, None, plain_value(value, choices=choices, field=field)))
    return described
