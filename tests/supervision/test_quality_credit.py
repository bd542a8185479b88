"""Quality credit (质量失信记分): events from the other apps score points against the organisation
at fault by configurable rules, over a rolling window, into tiers; the organisation's admin sees
every event and contests one once; the department decides; recomputing is idempotent."""

import datetime

import pytest
from django.utils import timezone

from inspections.models import Finding
from plumbline.celery import app as celery_app
from plumbline.core.audit.models import AuditEvent
from projects.models import Organisation
from supervision import actions
from supervision.credit import tier_of, window_start
from supervision.models import CreditEvent, OrganisationCredit

pytestmark = pytest.mark.django_db


def contractor():
    return Organisation.objects.get(kind="contractor")


def test_overdue_letters_score_a_point_per_letter_per_month(world, overdue_letters):
    actions.recompute_credit()
    events = CreditEvent.objects.filter(organisation=contractor(), rule="letter_overdue")
    due = overdue_letters.start_date
    # 40 days after the change, about 33 after the due date: two months begun, two letters
    months = (timezone.localdate() - min(e.occurred_on for e in events)).days // 30 + 1
    assert events.count() == 2 * months
    assert all(e.points == 1 and "何路人" in e.description for e in events)
    # with the demo's failed rebar test and upheld leak claim, also the contractor's
    others = CreditEvent.objects.filter(organisation=contractor()).exclude(rule="letter_overdue")
    assert set(others.values_list("rule", flat=True)) <= {"material_test_failed", "claim_upheld"}
    assert OrganisationCredit.objects.get(organisation=contractor()).points == 2 * months + sum(
        e.points for e in others
    )
    assert due < timezone.localdate()


def test_recomputing_again_changes_nothing(world, overdue_letters):
    first = actions.recompute_credit()
    events, audit = CreditEvent.objects.count(), AuditEvent.objects.count()
    assert first["events_added"] > 0
    assert actions.recompute_credit() == {"events_added": 0, "scores_changed": 0}
    assert CreditEvent.objects.count() == events and AuditEvent.objects.count() == audit


def test_a_critical_finding_past_due_scores_against_the_contractor(world):
    finding = Finding.objects.filter(project=world["project"]).first()
    Finding.objects.filter(pk=finding.pk).update(
        severity="critical", status="open", due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    actions.recompute_credit()
    event = CreditEvent.objects.get(rule="critical_finding_past_due")
    assert event.organisation == contractor() and event.points == 2


def test_the_tiers_and_the_window():
    assert [tier_of(p) for p in (0, 2, 3, 9, 10, 19, 20, 80)] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert window_start(datetime.date(2026, 12, 2)) == datetime.date(2024, 12, 2)


def test_points_older_than_the_window_do_not_count(world):
    owner = Organisation.objects.get(kind="owner")
    CreditEvent.objects.create(
        organisation=owner,
        rule="claim_upheld",
        source_key="old-claim",
        points=5,
        occurred_on=timezone.localdate() - datetime.timedelta(days=800),
        description="旧索赔",
    )
    actions.recompute_credit()
    assert OrganisationCredit.objects.get(organisation=owner).points == 3  # the demo's supervision violation only


def test_rules_are_configurable(world, settings, overdue_letters):
    settings.SUPERVISION_CREDIT = {"letter_overdue": 4, "tiers": {"A": 0, "B": 1, "C": 5, "D": 8}}
    actions.recompute_credit()
    credit = OrganisationCredit.objects.get(organisation=contractor())
    assert credit.points == 4 * CreditEvent.objects.filter(organisation=contractor()).count()
    assert credit.tier == "D"


def test_the_admin_sees_the_score_with_every_event_and_contests_one_once(world, as_persona):
    owner_org = Organisation.objects.get(kind="owner")
    owner = as_persona("owner")
    credit = owner.get(f"/organisations/{owner_org.pk}/credit").json()
    assert (credit["points"], credit["tier"]) == (3, "B")
    [event] = credit["events"]
    assert event["rule"] == "supervision_violation" and event["project"] == "GZ-2026-001"

    response = owner.post(f"/credit-events/{event['id']}/contest", {"reason": "公示牌已于检查次日补齐"})
    assert response.status_code == 200 and response.json()["status"] == "contested"
    again = owner.post(f"/credit-events/{event['id']}/contest", {"reason": "再次申诉"})
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="credit.contested", target_id=str(event["id"])).count() == 1


def test_other_people_neither_read_nor_contest_an_organisations_credit(world, as_persona):
    owner_org = Organisation.objects.get(kind="owner")
    event = CreditEvent.objects.get(organisation=owner_org)
    assert as_persona("contractor").get(f"/organisations/{owner_org.pk}/credit").status_code == 403
    assert as_persona("contractor").post(f"/credit-events/{event.pk}/contest", {"reason": "x"}).status_code == 404
    assert as_persona("auditor").post(f"/credit-events/{event.pk}/contest", {"reason": "x"}).status_code == 403


def test_the_department_decides_and_an_accepted_contest_no_longer_counts(world, as_persona):
    owner_org = Organisation.objects.get(kind="owner")
    event = CreditEvent.objects.get(organisation=owner_org)
    assert (
        as_persona("auditor").post(f"/credit-events/{event.pk}/decide", {"accept": True, "note": "x"}).status_code
        == 409
    )
    as_persona("owner").post(f"/credit-events/{event.pk}/contest", {"reason": "公示牌已于检查次日补齐"})
    assert (
        as_persona("owner").post(f"/credit-events/{event.pk}/decide", {"accept": True, "note": "x"}).status_code == 403
    )
    response = as_persona("auditor").post(f"/credit-events/{event.pk}/decide", {"accept": True, "note": "核实已整改"})
    assert response.status_code == 200 and response.json()["status"] == "annulled"
    assert OrganisationCredit.objects.get(organisation=owner_org).points == 0
    decided = AuditEvent.objects.get(action="credit.decided", target_id=str(event.pk))
    assert decided.changes["status"] == ["contested", "annulled"]
    actions.recompute_credit()
    assert OrganisationCredit.objects.get(organisation=owner_org).points == 0


def test_an_upheld_event_keeps_counting(world, as_persona):
    owner_org = Organisation.objects.get(kind="owner")
    event = CreditEvent.objects.get(organisation=owner_org)
    as_persona("owner").post(f"/credit-events/{event.pk}/contest", {"reason": "异议"})
    response = as_persona("auditor").post(f"/credit-events/{event.pk}/decide", {"accept": False, "note": "维持"})
    assert response.json()["status"] == "upheld"
    assert OrganisationCredit.objects.get(organisation=owner_org).points == 3


def test_the_beat_task_recomputes_the_credit(world, overdue_letters):
    schedule = celery_app.conf.beat_schedule
    assert any(entry["task"] == "supervision.recompute_credit" for entry in schedule.values())
    celery_app.tasks["supervision.recompute_credit"].delay()
    assert CreditEvent.objects.filter(rule="letter_overdue").exists()
