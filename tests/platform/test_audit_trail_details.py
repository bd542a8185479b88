"""The details of an audit event read in words on the page: every field an action records has a
Chinese name, a value with choices shows its model's label, a moment shows in the local time zone
to the minute, a file fingerprint shows its first characters (whole on hover); the API keeps the
stored codes for machines. The action filter lists each action once, from the database's
distinct actions, not from every event."""

import ast
import html as html_lib
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from inspections.models import FindingStatus, Severity
from plumbline.audit_details import DEPTH
from plumbline.audit_labels import FIELD_LABELS, action_label, field_label
from plumbline.audit_pages import list_actions
from plumbline.core.audit.log import chain_of
from plumbline.core.audit.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
APPS = ["projects", "signage", "bim", "inspections", "acceptance", "insurance", "supervision", "archive", "platform"]
# values keyed by codes, not by field names: a policy's years per category, a plan's hold points
KEYED_BY_CODES = {"cover_years", "hold_points", "extended", "vanished", "diff"}


def _strings(node) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _keys(node, function, constants: dict, seen: frozenset) -> set[str]:
    """The field names a `changes=` expression writes: dict literals, comprehensions over named
    tuples, and a variable's assignments, item assignments and updates in the same function."""
    keys: set[str] = set()
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                keys |= _keys(value, function, constants, seen)
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
    elif isinstance(node, ast.DictComp):
        for generator in node.generators:
            source = constants.get(getattr(generator.iter, "id", None), generator.iter)
            keys |= _strings(source)
            for item in getattr(source, "elts", []):
                if isinstance(item, ast.Starred) and getattr(item.value, "id", None) in constants:
                    keys |= _strings(constants[item.value.id])
    elif isinstance(node, ast.Name) and node.id not in seen:
        seen = seen | {node.id}
        for n in ast.walk(function):
            if isinstance(n, ast.Assign):
                for target in n.targets:
                    if isinstance(target, ast.Name) and target.id == node.id:
                        keys |= _keys(n.value, function, constants, seen)
                    elif (
                        isinstance(target, ast.Subscript)
                        and getattr(target.value, "id", None) == node.id
                        and isinstance(target.slice, ast.Constant)
                    ):
                        keys.add(target.slice.value)
            elif (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "update"
                and getattr(n.func.value, "id", None) == node.id
            ):
                for argument in n.args:
                    keys |= _keys(argument, function, constants, seen)
                keys |= {k.arg for k in n.keywords if k.arg}
    return {k for k in keys if isinstance(k, str)}


def fields_in_source() -> set[str]:
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "migrations" in path.parts or "record_event(" not in text:
                continue
            tree = ast.parse(text)
            constants = {
                n.targets[0].id: n.value
                for n in tree.body
                if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
            }
            # the fields an update records through diff(): the module's *_FIELDS tuples
            found |= {s for name, value in constants.items() if name.endswith("_FIELDS") for s in _strings(value)}
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for call in ast.walk(function):
                    name = getattr(getattr(call, "func", None), "id", None) or getattr(
                        getattr(call, "func", None), "attr", None
                    )
                    if isinstance(call, ast.Call) and name == "record_event":
                        for keyword in call.keywords:
                            if keyword.arg == "changes":
                                found |= _keys(keyword.value, function, constants, frozenset())
    return found


def test_every_field_the_code_records_has_its_words():
    fields = fields_in_source()
    assert len(fields) > 100, "the scan found too few fields"
    assert {"status", "observed_at", "severity", "waiting_for", "sha256"} <= fields
    assert sorted(fields - set(FIELD_LABELS)) == []


def _nested_keys(value, depth=1) -> set[str]:
    if depth >= DEPTH:
        return set()
    if isinstance(value, list):
        return {k for v in value for k in _nested_keys(v, depth + 1)}
    if isinstance(value, dict) and value.get("type") != "Point":
        return set(value) | {k for v in value.values() for k in _nested_keys(v, depth + 1)}
    return set()


@pytest.mark.django_db
def test_every_field_and_key_in_the_demo_trail_has_its_words(world):
    """The fields recorded at run time (a stage's date, a diff of a model's fields) and the keys
    inside values (a signature's capacity, a member's role), as the demo records them."""
    fields, keys = set(), set()
    for changes in AuditEvent.objects.values_list("changes", flat=True):
        for field, value in changes.items():
            fields.add(field)
            if field not in KEYED_BY_CODES:
                keys |= _nested_keys(value)
    assert len(fields) > 100
    assert sorted(fields - set(FIELD_LABELS)) == []
    assert sorted(keys - set(FIELD_LABELS)) == []


def _visible(html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def auditor(world, client):
    client.force_login(world["users"]["auditor"])
    return client


def _events(client, query: str) -> str:
    html = client.get(f"/projects/GZ-2026-001/audit/?{query}").content.decode()
    return html[html.index('id="events"') :]


@pytest.mark.django_db
@pytest.mark.chinese
def test_a_findings_details_read_in_chinese_with_labels_and_local_time(world, auditor):
    event = AuditEvent.objects.filter(chain=chain_of(world["project"]), action="finding.opened").first()
    events = _events(auditor, "action=finding.opened")
    text = _visible(events)
    for raw in ("observed_at", "severity", "due_date", "global_ids", "+00:00"):
        assert raw not in text
    with translation.override("zh-hans"):
        severity = str(Severity(event.changes["severity"][1]).label)
    observed = timezone.localtime(timezone.datetime.fromisoformat(event.changes["observed_at"][1]))
    assert f"严重程度： {severity}" in text
    assert f"发现时间： {observed:%Y-%m-%d %H:%M}" in text
    assert '<td class="action" data-action="finding.opened">问题已开立</td>' in events
    assert 'title="finding.opened"' not in events  # the code is not what hovering shows


@pytest.mark.django_db
@pytest.mark.chinese
def test_a_status_change_reads_as_the_statuses_words(world, auditor):
    text = _visible(_events(auditor, "action=finding.rectification_submitted"))
    with translation.override("zh-hans"):
        old = str(FindingStatus.OPEN.label)
        new = str(FindingStatus.RECTIFICATION_SUBMITTED.label)
    assert f"状态： {old} → {new}" in text
    assert "rectification_submitted" not in text


@pytest.mark.django_db
@pytest.mark.chinese
def test_roles_capacities_and_parties_read_as_their_labels(world, auditor):
    members = _visible(_events(auditor, "action=membership.added"))
    assert "角色： 勘察单位人员" in members and "role:" not in members and "survey" not in members
    signed = _visible(_events(auditor, "action=acceptance.signed"))
    assert "签字身份：施工单位专业质量检查员" in signed and "待签字： 施工单位专业工长" in signed
    assert not re.search(r"contractor_|supervising_engineer|capacity", signed)
    appointed = _visible(_events(auditor, "action=register.appointed"))
    assert "责任主体： 建设单位" in appointed and "party" not in appointed


@pytest.mark.django_db
@pytest.mark.chinese
def test_a_fingerprint_shows_its_first_twelve_characters_and_whole_on_hover(world, auditor):
    event = AuditEvent.objects.filter(chain=chain_of(world["project"]), action="letter.filed").first()
    sha = event.changes["sha256"][1]
    events = _events(auditor, "action=letter.filed")
    assert f'<span class="hash" title="{sha}">{sha[:12]}…</span>' in events
    assert sha not in _visible(events)


@pytest.mark.django_db
def test_the_api_keeps_the_stored_codes(world, as_persona):
    items = as_persona("auditor").get("/projects/GZ-2026-001/audit?action=finding.opened").json()["items"]
    changes = items[0]["changes"]
    assert changes["severity"][1] in Severity.values
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+\+00:00", changes["observed_at"][1])


@pytest.mark.django_db
@pytest.mark.chinese
def test_the_action_list_has_each_action_once_sorted_by_its_words(world, auditor):
    chain = AuditEvent.objects.filter(chain=chain_of(world["project"]))
    html = auditor.get("/projects/GZ-2026-001/audit/").content.decode()
    select = html[html.index('<select id="action"') : html.index("</select>")]
    options = re.findall(r'<option value="([\w.]+)"[^>]*>([^<]+)</option>', select)
    codes = [code for code, _ in options]
    assert len(codes) == len(set(codes)) == len({e.action for e in chain})
    assert chain.count() > len(codes)  # more events than actions: one option per action
    with translation.override("zh-hans"):
        assert [label for _, label in options] == sorted(action_label(c) for c in codes)


@pytest.mark.django_db
def test_the_action_list_is_one_distinct_query_on_the_chain_and_action_index(world):
    chain = AuditEvent.objects.filter(chain=chain_of(world["project"]))
    with CaptureQueriesContext(connection) as queries:
        list_actions(chain)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "DISTINCT" in sql and "sequence" not in sql and '"changes"' not in sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "COVERING INDEX" in plan, plan


@pytest.mark.django_db
@pytest.mark.chinese
@pytest.mark.parametrize(
    ("action", "field"),
    [
        ("material_batch.created", "category"),  # a catalogue category: rebar, cement ...
        ("sample.recorded", "tests"),  # the catalogue's tests: tensile strength ...
        ("claim.filed", "reasons"),  # the cover decision's reasons
        ("complaint.filed", "channel"),  # web, a sign's QR code, telephone
    ],
)
def test_catalogue_codes_read_as_their_words(world, auditor, action, field):
    events = AuditEvent.objects.filter(action=action, project__isnull=False).select_related("project")
    assert events.exists(), f"the demo records {action}"
    event = events.first()
    value = event.changes[field][1]
    codes = value if isinstance(value, list) else [value]
    assert codes
    html = auditor.get(f"/projects/{event.project.code}/audit/?action={action}").content.decode()
    text = _visible(html[html.index('id="events"') :])
    shown = text[text.index(str(field_label(field, action))) :]
    for code in codes:
        assert not re.search(rf"(?<![A-Za-z0-9_-]){re.escape(code)}(?![A-Za-z0-9_-])", shown), f"{code} shown raw"
