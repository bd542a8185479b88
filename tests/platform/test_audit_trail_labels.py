"""The audit trail page reads in words: each action by its label (every action the code records
has one), the system by its translated name, what changed in a detail column, actions picked from
a list, and a date that is not a date refused with a message rather than ignored."""

import re
from pathlib import Path

import pytest

from plumbline.audit_labels import ACTION_LABELS

pytestmark = [pytest.mark.django_db, pytest.mark.chinese]

ROOT = Path(__file__).resolve().parents[2]
APPS = ["projects", "signage", "bim", "inspections", "acceptance", "insurance", "supervision", "archive", "platform"]
RECORDED = re.compile(r"""record_event\(\s*["']([a-z_]+\.[a-z_]+)["']""")


def recorded_actions() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= set(RECORDED.findall(path.read_text(encoding="utf-8")))
    # the actions named at run time: a claim's moves and a finding's steps
    from inspections.models import StepKind
    from insurance.models import CLAIM_MOVES

    found |= {f"claim.{verb}" for verb in CLAIM_MOVES} | {f"finding.{step}" for step in StepKind.values}
    return found


def test_every_action_the_code_records_has_its_words():
    actions = recorded_actions()
    assert len(actions) > 60, "the scan found too few actions"
    assert sorted(actions - set(ACTION_LABELS)) == []


@pytest.fixture
def auditor(world, client):
    client.force_login(world["users"]["auditor"])
    return client


def test_the_trail_shows_actions_in_words_the_system_by_name_and_what_changed(world, auditor):
    html = auditor.get("/projects/GZ-2026-001/audit/").content.decode()
    events = html[html.index('id="events"') :]
    assert '<td class="action" data-action="finding.opened">问题已开立</td>' in events
    assert "<code>finding.opened</code>" not in events
    assert "Plumbline（系统）" in events and "Plumbline (system)" not in events
    assert "<th>详情</th>" in events and re.search(r'<li data-field="\w+"><span class="field">[^<]+：</span> ', events)
    select = html[html.index('<select id="action"') : html.index("</select>")]
    assert (
        '<option value="">全部操作</option>' in select
        and '<option value="finding.opened">问题已开立</option>' in select
    )


def test_picking_an_action_keeps_only_its_events(world, auditor):
    html = auditor.get("/projects/GZ-2026-001/audit/?action=finding.opened").content.decode()
    events = html[html.index('id="events"') :]
    assert set(re.findall(r'data-action="([\w.]+)"', events)) == {"finding.opened"}
    assert '<option value="finding.opened" selected>' in html


def test_a_date_that_is_not_a_date_is_refused_with_a_message(world, auditor):
    response = auditor.get("/projects/GZ-2026-001/audit/?since=2026-13-40")
    html = response.content.decode()
    assert response.status_code == 400
    assert "2026-13-40 不是日期：请使用 YYYY-MM-DD 格式。" in html
    assert "data-action=" not in html[html.index('id="events"') :]
    later = auditor.get("/projects/GZ-2026-001/audit/?since=2026-06-02&until=2026-06-01")
    assert later.status_code == 400 and "开始日期晚于结束日期。" in later.content.decode()
