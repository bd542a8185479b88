"""The audit trail: one event per action, chained by hash; any change to a stored event, its
order or its existence is detected and the event named."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from plumbline.core.audit.log import chain_of, verify_chain
from plumbline.core.audit.models import AuditEvent
from projects import actions
from tests.conftest import require_service


def events(project):
    return list(AuditEvent.objects.filter(chain=chain_of(project)).order_by("sequence"))


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def table():
    return AuditEvent._meta.db_table


def test_each_action_writes_exactly_one_event_with_its_changes(world):
    project, owner = world["project"], world["users"]["owner"]
    before = len(events(project))
    actions.update_project(project, changes={"name": "新名字", "building_count": 3}, actor=owner)
    after = events(project)
    assert len(after) == before + 1
    event = after[-1]
    assert event.action == "project.updated"
    assert event.actor == owner and event.actor_name == "李建国"
    assert event.organisation == owner.person.organisation
    assert event.changes == {"name": ["珠江新城保障性住房项目", "新名字"], "building_count": [2, 3]}
    assert event.prev_hash == after[-2].hash


def test_a_refused_action_writes_no_event(world):
    project = world["project"]
    before = len(events(project))
    with pytest.raises(Exception, match="may not"):
        actions.update_project(project, changes={"name": "x"}, actor=world["users"]["contractor"])
    assert len(events(project)) == before


def test_an_intact_trail_verifies(world):
    assert verify_chain(chain_of(world["project"])).is_intact
    call_command("audit", "verify", "--project", world["project"].code)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (
            lambda e: raw(f"UPDATE {table()} SET changes = %s WHERE id = %s", ('{"name": [null, "forged"]}', e.pk)),
            "was changed",
        ),
        (
            lambda e: raw(f"UPDATE {table()} SET created_at = %s WHERE id = %s", ("2020-01-01 00:00:00", e.pk)),
            "was changed",
        ),
        (lambda e: raw(f"UPDATE {table()} SET actor_name = %s WHERE id = %s", ("someone else", e.pk)), "was changed"),
        (lambda e: raw(f"DELETE FROM {table()} WHERE id = %s", (e.pk,)), "is missing"),
    ],
    ids=["payload", "time", "actor", "deleted"],
)
def test_tampering_with_a_stored_event_is_detected_and_the_event_named(world, tamper, reason):
    project = world["project"]
    target = events(project)[3]
    tamper(target)
    report = verify_chain(chain_of(project))
    assert not report.is_intact
    assert report.first_broken == target.sequence
    assert reason in report.reason
    with pytest.raises(CommandError, match="1 of 1 audit chains are broken"):
        call_command("audit", "verify", "--project", project.code)


def test_swapping_two_events_is_detected(world):
    project = world["project"]
    a, b = events(project)[2:4]
    raw(f"UPDATE {table()} SET sequence = %s WHERE id = %s", (10_000, a.pk))
    raw(f"UPDATE {table()} SET sequence = %s WHERE id = %s", (a.sequence, b.pk))
    raw(f"UPDATE {table()} SET sequence = %s WHERE id = %s", (b.sequence, a.pk))
    report = verify_chain(chain_of(project))
    assert report.first_broken == a.sequence


def test_deleting_the_newest_event_is_detected(world):
    project = world["project"]
    last = events(project)[-1]
    raw(f"DELETE FROM {table()} WHERE id = %s", (last.pk,))
    report = verify_chain(chain_of(project))
    assert report.first_broken == last.sequence and "missing" in report.reason


def test_code_has_no_way_to_change_or_delete_an_event(world):
    event = events(world["project"])[0]
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_auditor_reads_and_verifies_the_trail_through_the_api(world, as_persona):
    auditor = as_persona("auditor")
    listing = auditor.get(f"/projects/{world['project'].code}/audit?limit=100")
    assert listing.status_code == 200
    actions_seen = [e["action"] for e in listing.json()["items"]]
    assert actions_seen[0] == "project.created" and "membership.added" in actions_seen
    verdict = auditor.get(f"/projects/{world['project'].code}/audit/verify").json()
    assert verdict["is_intact"] is True and verdict["events"] == listing.json()["count"] >= len(actions_seen)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_actions_on_postgresql_do_not_fork_the_chain(world):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "this run's DATABASE_URL is not PostgreSQL (set it as .ci/run does)")
    project, owner = world["project"], world["users"]["owner"]
    errors = []

    def rename(i):
        try:
            for j in range(5):
                actions.update_project(project, changes={"address": f"worker {i} edit {j}"}, actor=owner)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rename, args=(i,)) for i in range(6)]
    before = len(events(project))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    after = events(project)
    assert len(after) == before + 30
    assert [e.sequence for e in after] == list(range(1, len(after) + 1))
    assert verify_chain(chain_of(project)).is_intact
