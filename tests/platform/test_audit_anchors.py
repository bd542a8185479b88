"""The audit chain cannot be rewritten consistently: hashes are keyed with a key that is not in
the database, and each chain's head is anchored in object storage, so editing an event and
recomputing every later hash, or deleting the newest events and moving the head back, fails
`audit verify` naming the event. Chains written before the key stay verifiable."""

import hashlib
import importlib
import json
import shutil
import zipfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive.export import stream_archive
from plumbline.celery import app as celery_app
from plumbline.core.audit.log import GENESIS, canonical_json, chain_of, event_payload, list_anchors, verify_chain
from plumbline.core.audit.models import AuditChainHead, AuditEvent
from projects import actions
from storage import get_storage


@pytest.fixture(autouse=True)
def own_storage(settings, tmp_path, objects_dir):
    """Anchors are named records, not content-addressed: each test gets its own copy of the store."""
    settings.LOCAL_STORAGE_DIR = tmp_path / "objects"
    shutil.copytree(objects_dir, settings.LOCAL_STORAGE_DIR)
    get_storage.cache_clear()
    yield
    get_storage.cache_clear()


def events(project):
    return list(AuditEvent.objects.filter(chain=chain_of(project)).order_by("sequence"))


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


EVENTS = AuditEvent._meta.db_table
HEADS = AuditChainHead._meta.db_table


def plain_sha256(prev_hash: str, event) -> str:
    """What anyone can compute: the chain's hash as it was before it was keyed."""
    return hashlib.sha256(f"{prev_hash}\n{canonical_json(event_payload(event))}".encode()).hexdigest()


def rehash_plainly(project, *, start: int = 1):
    """Recompute prev_hash and hash of every event from `start` on, and the head, in plain
    SHA-256: a consistent rewrite by someone who can write the database."""
    prev = GENESIS if start == 1 else events(project)[start - 2].hash
    for event in events(project)[start - 1 :]:
        new = plain_sha256(prev, event)
        raw(f"UPDATE {EVENTS} SET prev_hash = %s, hash = %s WHERE id = %s", (prev, new, event.pk))
        prev = new
    last = events(project)[-1]
    raw(f"UPDATE {HEADS} SET sequence = %s, hash = %s WHERE chain = %s", (last.sequence, prev, chain_of(project)))


def truncate(project, count: int):
    """Delete the newest `count` events and move the head back to the one before them."""
    kept = events(project)[:-count]
    for event in events(project)[-count:]:
        raw(f"DELETE FROM {EVENTS} WHERE id = %s", (event.pk,))
    raw(
        f"UPDATE {HEADS} SET sequence = %s, hash = %s WHERE chain = %s",
        (kept[-1].sequence, kept[-1].hash, chain_of(project)),
    )


def test_an_edited_event_with_every_later_hash_recomputed_fails_verify_naming_it(world):
    project = world["project"]
    target = events(project)[3]
    raw(f"UPDATE {EVENTS} SET changes = %s WHERE id = %s", ('{"name": [null, "forged"]}', target.pk))
    rehash_plainly(project, start=target.sequence)
    report = verify_chain(chain_of(project))
    assert not report.is_intact
    assert report.first_broken == target.sequence and "was changed" in report.reason
    with pytest.raises(CommandError, match="1 of 1 audit chains are broken"):
        call_command("audit", "verify", "--project", project.code)


def test_deleting_the_newest_event_and_moving_the_head_back_fails_verify_once_anchored(world):
    project = world["project"]
    call_command("audit", "anchor")
    last = events(project)[-1]
    truncate(project, 1)
    report = verify_chain(chain_of(project))
    assert not report.is_intact
    assert report.first_broken == last.sequence
    assert f"event #{last.sequence} is missing" in report.reason and "anchored" in report.reason


def test_anchor_then_truncate_is_reported_from_the_first_missing_event(world, capsys):
    project, owner = world["project"], world["users"]["owner"]
    actions.update_project(project, changes={"name": "第一次"}, actor=owner)
    actions.update_project(project, changes={"name": "第二次"}, actor=owner)
    call_command("audit", "anchor")
    anchored = events(project)[-1].sequence
    truncate(project, 3)
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"BROKEN at event #{anchored - 2}" in out and f"anchored at #{anchored}" in out


def test_anchoring_is_append_only_and_records_each_head_once(world, capsys):
    project, owner = world["project"], world["users"]["owner"]
    call_command("audit", "anchor")
    call_command("audit", "anchor")
    assert "unchanged at event" in capsys.readouterr().out
    actions.update_project(project, changes={"name": "新名字"}, actor=owner)
    call_command("audit", "anchor")
    anchors = list_anchors(chain_of(project))
    assert [a.sequence for a in anchors] == [anchors[0].sequence, anchors[0].sequence + 1]
    assert all(a.is_signed for a in anchors) and anchors[-1].hash == events(project)[-1].hash
    report = verify_chain(chain_of(project))
    assert report.is_intact and report.anchors == 2


def test_a_broken_chain_is_not_anchored(world, capsys):
    project = world["project"]
    raw(f"UPDATE {EVENTS} SET actor_name = %s WHERE id = %s", ("someone else", events(project)[2].pk))
    with pytest.raises(CommandError, match="broken and were not anchored"):
        call_command("audit", "anchor")
    assert list_anchors(chain_of(project)) == []


def test_an_anchor_changed_in_storage_is_reported(world):
    project = world["project"]
    call_command("audit", "anchor")
    (anchor,) = list_anchors(chain_of(project))
    path = get_storage().root / anchor.key
    record = json.loads(path.read_text())
    record["sequence"] -= 1
    path.write_text(json.dumps(record))
    report = verify_chain(chain_of(project))
    assert not report.is_intact and "not signed" in report.reason


def test_events_written_before_the_chain_was_keyed_still_verify_and_stay_protected(world):
    project, owner = world["project"], world["users"]["owner"]
    chain = chain_of(project)
    # the database as the unkeyed code left it: plain SHA-256 throughout, no seal
    rehash_plainly(project)
    raw(f"UPDATE {HEADS} SET legacy_sequence = 0, legacy_hash = '', legacy_seal = '' WHERE chain = %s", (chain,))
    assert not verify_chain(chain).is_intact
    migration = importlib.import_module("plumbline.core.audit.migrations.0002_keyed_chain_legacy_seal")
    migration.seal_legacy_events(apps, None)
    legacy_until = len(events(project))
    assert verify_chain(chain).is_intact
    actions.update_project(project, changes={"name": "新名字"}, actor=owner)  # keyed from here on
    assert verify_chain(chain).is_intact
    # moving the boundary so the new event counts as plain, and recomputing it, is caught
    rehash_plainly(project, start=legacy_until + 1)
    raw(f"UPDATE {HEADS} SET legacy_sequence = legacy_sequence + 1 WHERE chain = %s", (chain,))
    report = verify_chain(chain)
    assert not report.is_intact and "seal" in report.reason
    # so is an edited old event with every later plain hash recomputed
    raw(f"UPDATE {HEADS} SET legacy_sequence = legacy_sequence - 1 WHERE chain = %s", (chain,))
    target = events(project)[2]
    raw(f"UPDATE {EVENTS} SET actor_name = %s WHERE id = %s", ("someone else", target.pk))
    rehash_plainly(project, start=target.sequence)
    report = verify_chain(chain)
    assert not report.is_intact and report.first_broken == legacy_until


def test_the_quality_archive_carries_the_chain_head_and_its_anchors(world, tmp_path):
    project = world["project"]
    call_command("audit", "anchor")
    path = tmp_path / "archive.zip"
    path.write_bytes(b"".join(stream_archive(project, user=None)))
    with zipfile.ZipFile(path) as archive:
        heads = json.loads(archive.read("audit/heads.json"))
    last = events(project)[-1]
    assert heads["head"] == {"sequence": last.sequence, "hash": last.hash}
    assert [(a["sequence"], a["hash"]) for a in heads["anchors"]] == [(last.sequence, last.hash)]


def test_a_daily_beat_task_anchors_every_chain(world):
    from plumbline.core.audit.tasks import anchor_audit_chains

    entry = celery_app.conf.beat_schedule["anchor-audit-chains"]
    assert entry["task"] == anchor_audit_chains.name
    anchor_audit_chains.delay()
    assert list_anchors(chain_of(world["project"]))[-1].hash == events(world["project"])[-1].hash


def test_the_api_reports_the_anchors_it_compared(world, as_persona):
    call_command("audit", "anchor")
    verdict = as_persona("auditor").get(f"/projects/{world['project'].code}/audit/verify").json()
    assert verdict["is_intact"] is True and verdict["anchors"] == 1
