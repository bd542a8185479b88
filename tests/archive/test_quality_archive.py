"""The quality archive: one ZIP filed in the GB/T 50328 groups, with a manifest of every file's
sha256 and the audit chain head; verify names the first file or audit event that does not match;
export streams."""

import hashlib
import io
import json
import struct
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.export import stream_archive
from archive.verify import verify_archive
from plumbline.core.audit.models import AuditEvent

GROUP_FOLDERS = ["A-preparation", "B-supervision", "C-construction", "D-as-built", "E-completion-acceptance"]


@pytest.fixture
def archive_file(world, tmp_path):
    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    return path


def rewrite(source, target, *, events=None, manifest=None):
    """A copy of the archive with its audit events (a list of dicts) and manifest changed by the
    given functions, and the manifest's sha256 of every file recomputed, as a forger would."""
    with zipfile.ZipFile(source) as src:
        files = {name: src.read(name) for name in src.namelist()}
    if events is not None:
        rows = [json.loads(line) for line in files["audit/events.jsonl"].decode().splitlines()]
        files["audit/events.jsonl"] = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in events(rows)).encode()
    listing = json.loads(files.pop("manifest.json"))
    listing["files"] = [
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in files.items()
    ]
    if manifest is not None:
        manifest(listing)
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
        dst.writestr("manifest.json", json.dumps(listing))
    return target


def test_the_archive_holds_the_register_letters_signs_and_audit_trail(archive_file):
    with zipfile.ZipFile(archive_file) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        register = json.loads(archive.read("A-preparation/register.json"))
        events = archive.read("audit/events.jsonl").decode().splitlines()
    assert {e["path"] for e in manifest["files"]} == set(names) - {"manifest.json"}
    assert sum(n.startswith("A-preparation/letters/") for n in names) == 10
    assert any(n.startswith("E-completion-acceptance/signs/") and n.endswith(".png") for n in names)
    contractor = next(a for a in register["appointments"] if a["party"] == "contractor")
    assert contractor["leader"]["name"] == "张施工" and len(contractor["leader"]["id_number"]) == 18
    assert all(letter["file"] in names for letter in contractor["letters"])
    assert json.loads(events[0])["action"] == "project.created"
    call_command("archive", "verify", str(archive_file))


def test_the_archive_folders_are_the_gbt_50328_groups(archive_file):
    with zipfile.ZipFile(archive_file) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    folders = {name.split("/")[0] for name in names if "/" in name}
    assert folders <= {*GROUP_FOLDERS, "audit"}
    assert {"A-preparation", "E-completion-acceptance", "audit"} <= folders
    assert [(g["code"], g["folder"], g["title"]) for g in manifest["groups"]] == [
        ("A", "A-preparation", "工程准备阶段文件"),
        ("B", "B-supervision", "监理文件"),
        ("C", "C-construction", "施工文件"),
        ("D", "D-as-built", "竣工图"),
        ("E", "E-completion-acceptance", "工程竣工验收文件"),
    ]
    assert "E-completion-acceptance/signs.json" in names and "A-preparation/register.json" in names


def test_the_manifest_names_the_audit_chain_head_at_export_time(world, archive_file, as_persona):
    project = world["project"]
    last = AuditEvent.objects.filter(project=project).order_by("-sequence").first()
    with zipfile.ZipFile(archive_file) as archive:
        head = json.loads(archive.read("manifest.json"))["audit_chain"]
        heads = json.loads(archive.read("audit/heads.json"))
        events = archive.read("audit/events.jsonl").decode().splitlines()
    assert (head["chain"], head["sequence"], head["hash"]) == (f"project:{project.pk}", last.sequence, last.hash)
    assert heads["head"] == {"sequence": last.sequence, "hash": last.hash}
    assert len(events) == last.sequence and len(head["signature"]) == 64
    # an event written after the export is not in it, and the archive still verifies
    as_persona("owner").patch(f"/projects/{project.code}", {"name": "珠江新城保障性住房项目 (一期)"})
    assert AuditEvent.objects.filter(project=project).count() == last.sequence + 1
    assert verify_archive(archive_file).is_valid


def test_a_good_archive_verifies_its_events_with_the_key_and_offline(archive_file):
    keyed = verify_archive(archive_file)
    offline = verify_archive(archive_file, keyed=False)
    assert keyed.is_valid and keyed.is_keyed and keyed.events > 30
    assert offline.is_valid and not offline.is_keyed and offline.events == keyed.events
    out = io.StringIO()
    call_command("archive", "verify", str(archive_file), "--offline", stdout=out)
    assert f"{keyed.events} events" in out.getvalue() and "not checked" in out.getvalue()


def test_an_edited_event_fails_verify_naming_the_event(archive_file, tmp_path):
    def edit(rows):
        rows[2]["actor_name"] = "王替身"
        return rows

    forged = rewrite(archive_file, tmp_path / "edited.zip", events=edit)
    report = verify_archive(forged)
    assert not report.is_valid and report.sequence == 3 and report.path == "audit/events.jsonl"
    assert "event #3 (" in report.problem and "changed after it was written" in report.problem
    with pytest.raises(CommandError, match="event #3"):
        call_command("archive", "verify", str(forged))


def test_reordered_events_fail_verify_naming_the_event_even_offline(archive_file, tmp_path):
    swapped = rewrite(archive_file, tmp_path / "swapped.zip", events=lambda r: [*r[:3], r[4], r[3], *r[5:]])
    for keyed in (True, False):
        report = verify_archive(swapped, keyed=keyed)
        assert not report.is_valid and report.sequence == 4 and "event #4" in report.problem

    def renumber(rows):  # the two swapped and renumbered: the links give them away
        rows[3], rows[4] = rows[4], rows[3]
        rows[3]["sequence"], rows[4]["sequence"] = 4, 5
        return rows

    renumbered = rewrite(archive_file, tmp_path / "renumbered.zip", events=renumber)
    report = verify_archive(renumbered, keyed=False)
    assert not report.is_valid and report.sequence == 4 and "does not follow the event before it" in report.problem


def test_events_cut_from_the_archive_fail_verify_naming_the_first_missing(archive_file, tmp_path):
    with zipfile.ZipFile(archive_file) as archive:
        count = len(archive.read("audit/events.jsonl").splitlines())
    cut_end = rewrite(archive_file, tmp_path / "cut-end.zip", events=lambda r: r[:-2])
    cut_middle = rewrite(archive_file, tmp_path / "cut-middle.zip", events=lambda r: [*r[:6], *r[7:]])
    for keyed in (True, False):
        end = verify_archive(cut_end, keyed=keyed)
        assert not end.is_valid and end.sequence == count - 1 and f"event #{count - 1} is missing" in end.problem
        middle = verify_archive(cut_middle, keyed=keyed)
        assert not middle.is_valid and middle.sequence == 7 and "event #7 is missing" in middle.problem


def test_a_head_moved_back_with_the_events_cut_fails_on_its_signature(archive_file, tmp_path):
    with zipfile.ZipFile(archive_file) as archive:
        rows = [json.loads(line) for line in archive.read("audit/events.jsonl").splitlines()]

    def move_head(manifest):
        manifest["audit_chain"].update(sequence=rows[-3]["sequence"], hash=rows[-3]["hash"])

    forged = rewrite(archive_file, tmp_path / "head.zip", events=lambda r: r[:-2], manifest=move_head)
    report = verify_archive(forged)
    assert not report.is_valid and report.path == "manifest.json" and "not signed" in report.problem


def test_an_archive_of_another_platform_verifies_offline_only(archive_file, settings):
    settings.AUDIT_CHAIN_KEY = "another platform's chain key, 32+ characters long"
    report = verify_archive(archive_file)
    assert not report.is_valid and report.path == "manifest.json" and "another platform" in report.problem
    assert verify_archive(archive_file, keyed=False).is_valid


def test_one_corrupted_byte_makes_verify_fail_and_name_the_file(archive_file):
    data = bytearray(archive_file.read_bytes())
    with zipfile.ZipFile(archive_file) as archive:
        target = next(i for i in archive.infolist() if i.filename.startswith("A-preparation/letters/contractor/"))
    # the file's data starts after its 30-byte local header, its name and its extra field
    name_length, extra_length = struct.unpack("<HH", data[target.header_offset + 26 : target.header_offset + 30])
    data[target.header_offset + 30 + name_length + extra_length + 5] ^= 0xFF
    archive_file.write_bytes(bytes(data))
    report = verify_archive(archive_file)
    assert not report.is_valid and report.path == target.filename
    with pytest.raises(CommandError, match=target.filename):
        call_command("archive", "verify", str(archive_file))


def test_a_file_changed_consistently_inside_the_zip_is_caught_by_its_hash(archive_file, tmp_path):
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive_file) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "A-preparation/register.json":
                data = data.replace("张施工".encode(), "王替身".encode())
            dst.writestr(info.filename, data)
    assert verify_archive(forged).path == "A-preparation/register.json"


def test_export_streams_in_chunks_as_files_are_added(world):
    chunks = list(stream_archive(world["project"], user=None))
    assert len(chunks) > 15 and max(len(c) for c in chunks) < 1024 * 1024
    assert verify_archive(io.BytesIO(b"".join(chunks))).is_valid


def test_owners_and_auditors_download_the_archive(world, as_persona):
    response = as_persona("auditor").client.get(
        f"/api/v1/projects/{world['project'].code}/archive", headers=as_persona("auditor").headers
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert verify_archive(io.BytesIO(b"".join(response.streaming_content))).is_valid


def test_an_archive_made_before_manifests_named_the_chain_head_still_verifies_its_files(archive_file, tmp_path):
    def first_format(manifest):
        manifest["format"] = "plumbline-quality-archive/1"
        del manifest["audit_chain"], manifest["groups"]

    old = rewrite(archive_file, tmp_path / "old.zip", manifest=first_format)
    report = verify_archive(old)
    assert report.is_valid and report.events is None
    out = io.StringIO()
    call_command("archive", "verify", str(old), stdout=out)
    assert "files match the manifest." in out.getvalue()


def test_events_written_before_the_chain_was_keyed_are_recomputed_even_offline(world, tmp_path):
    import importlib

    from django.apps import apps

    from plumbline.core.audit.log import chain_of
    from projects import actions
    from tests.platform.test_audit_anchors import HEADS, raw, rehash_plainly

    project, chain = world["project"], chain_of(world["project"])
    rehash_plainly(project)  # the chain as the unkeyed code left it, then sealed by the migration
    raw(f"UPDATE {HEADS} SET legacy_sequence = 0, legacy_hash = '', legacy_seal = '' WHERE chain = %s", (chain,))
    importlib.import_module("plumbline.core.audit.migrations.0002_keyed_chain_legacy_seal").seal_legacy_events(
        apps, None
    )
    actions.update_project(project, changes={"name": "新名字"}, actor=world["users"]["owner"])  # keyed
    path = tmp_path / "archive.zip"
    path.write_bytes(b"".join(stream_archive(project, user=None)))
    assert verify_archive(path).is_valid and verify_archive(path, keyed=False).is_valid

    def edit(rows):
        rows[2]["actor_name"] = "王替身"
        return rows

    forged = rewrite(path, tmp_path / "edited.zip", events=edit)
    report = verify_archive(forged, keyed=False)
    assert not report.is_valid and report.sequence == 3 and "changed after it was written" in report.problem


def test_the_archive_of_a_project_with_an_architect_in_charge_lists_them_and_the_design_changes(world, tmp_path):
    """The demo's Foshan pilot (建筑师负责制): the architect beside the owner, with registration
    number and letter, and the design change the architect signed off for the owner."""
    from projects.demo import AIC_PROJECT_CODE, ARCHITECT_REGISTRATION

    path = tmp_path / "pilot.zip"
    call_command("archive", "export", AIC_PROJECT_CODE, "-o", str(path))
    with zipfile.ZipFile(path) as archive:
        register = json.loads(archive.read("A-preparation/register.json"))
        names = archive.namelist()
    architect = next(a for a in register["appointments"] if a["party"] == "architect")
    assert architect["leader"]["name"] == "林建筑" and architect["registration_number"] == ARCHITECT_REGISTRATION
    assert [letter["kind"] for letter in architect["letters"]] == ["commitment"]
    assert any(n.startswith("A-preparation/letters/architect/") for n in names)
    assert [(c["number"], c["signed_off_by"], c["on_behalf_of_owner"]) for c in register["design_changes"]] == [
        (1, "林建筑", True)
    ]
    assert verify_archive(path).is_valid
