"""A claim's subrogation evidence pack: the elements and their history across model versions, the
findings on them and the leaders who held each party role on the dates of that work, in a ZIP
whose manifest `plumbline archive verify` checks; from the command line and the API."""

import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive.verify import verify_archive
from insurance.models import DefectClaim

LEAK = "卫生间楼板渗水，楼下天花板出现水渍"


@pytest.fixture
def leak(world):
    return DefectClaim.objects.get(project=world["project"], description=LEAK)


def test_the_evidence_pack_of_a_demo_claim_names_the_contractors_project_manager_and_verifies(world, leak, tmp_path):
    path = tmp_path / "evidence.zip"
    out = StringIO()
    call_command("claim", "evidence", world["project"].code, str(leak.pk), "-o", str(path), stdout=out)
    assert str(path) in out.getvalue()
    report = verify_archive(path)
    assert report.is_valid, report.problem
    assert report.events and report.is_keyed
    verified = StringIO()
    call_command("archive", "verify", str(path), stdout=verified)
    with zipfile.ZipFile(path) as pack:
        manifest = json.loads(pack.read("manifest.json"))
        assert manifest["format"] == "plumbline-claim-evidence/1" and manifest["claim"] == leak.pk
        claim = json.loads(pack.read("claim.json"))
        assert claim["cover"]["covered"] is True and claim["repair"]["party"] == "contractor"
        elements = json.loads(pack.read("elements.json"))
        assert [e["global_id"] for e in elements] == leak.global_ids
        assert elements[0]["versions"][0]["present"] and elements[0]["versions"][0]["ifc_class"] == "IfcSlab"
        leaders = json.loads(pack.read("leaders.json"))
        assert leaders, "no dates of work"
        contractor = leaders[0]["parties"]["contractor"]
        assert contractor["leader"]["name"] == world["users"]["contractor"].person.name  # 张施工
        assert contractor["title"] and contractor["organisation"]
        for name in ("findings.json", "lots.json", "materials.json", "audit/events.jsonl"):
            assert name in pack.namelist()


def test_a_tampered_pack_fails_verify(world, leak, tmp_path):
    path = tmp_path / "evidence.zip"
    call_command("claim", "evidence", world["project"].code, str(leak.pk), "-o", str(path))
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "leaders.json":
                data = data.replace("张施工".encode(), "李四".encode())
            dst.writestr(item, data)
    report = verify_archive(forged)
    assert not report.is_valid and report.path == "leaders.json"


def test_the_insurer_downloads_the_pack_and_a_home_owner_may_not(world, leak, as_persona):
    path = f"/projects/{world['project'].code}/claims/{leak.pk}/evidence"
    answer = as_persona("insurer").get(path)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    report = verify_archive(io.BytesIO(b"".join(answer.streaming_content)))
    assert report.is_valid, report.problem
    assert as_persona("home_owner").get(path).status_code == 403
    assert as_persona("outsider").get(path).status_code == 404
    missing = as_persona("insurer").get(f"/projects/{world['project'].code}/claims/999999/evidence")
    assert missing.status_code == 404


def test_the_command_refuses_an_unknown_claim(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("claim", "evidence", world["project"].code, "999999", "-o", str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()


def test_the_quality_archive_keeps_the_policies_and_every_claim(world, tmp_path):
    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    assert verify_archive(path).is_valid
    with zipfile.ZipFile(path) as archive:
        record = json.loads(archive.read("E-completion-acceptance/claims.json"))
    assert [p["number"] for p in record["policies"]] == ["IDI-440106-2026-0001"]
    assert sorted(c["status"] for c in record["claims"]) == ["declined", "filed", "repair_assigned"]
    declined = next(c for c in record["claims"] if c["status"] == "declined")
    assert declined["decision_reasons"] == ["after_window"] and declined["cover"]["covered"] is False


def test_the_pack_holds_the_elements_lots_with_their_signers_and_its_batches_with_lab_reports(world, leak, tmp_path):
    """The leak is on the 2F floor slab: in the 2F rebar lot (signed by the quality inspector and
    the foreman) and concrete lot, and the C30 concrete batch with its three passed lab reports."""
    path = tmp_path / "evidence.zip"
    call_command("claim", "evidence", world["project"].code, str(leak.pk), "-o", str(path), stdout=StringIO())
    verified = StringIO()
    call_command("archive", "verify", str(path), stdout=verified)
    assert verify_archive(path).is_valid
    pm = world["users"]["contractor"].person.name
    with zipfile.ZipFile(path) as pack:
        lots = {lot["code"]: lot for lot in json.loads(pack.read("lots.json"))}
        assert set(lots) == {"020102-002", "020103-002"}
        rebar = lots["020102-002"]
        assert {(s["person"], s["capacity"]) for s in rebar["signatures"]} == {
            ("刘质检", "contractor_quality_inspector"),
            ("王工长", "contractor_foreman"),
        }
        signed_on = rebar["signatures"][0]["signed_on"]
        assert rebar["contractor_project_manager"]["date"] == signed_on
        assert rebar["contractor_project_manager"]["leader"]["name"] == pm
        leaders = {day["date"]: day for day in json.loads(pack.read("leaders.json"))}
        assert "inspection lot 020102-002" in leaders[signed_on]["work"]
        assert leaders[signed_on]["parties"]["contractor"]["leader"]["name"] == pm
        batches = json.loads(pack.read("materials.json"))
        assert [b["batch_number"] for b in batches] == ["HNT2605-032"]
        reports = [s["report"] for s in batches[0]["samples"]]
        assert len(reports) == 3 and all(r["is_passed"] for r in reports)
        assert all(r["file"] in pack.namelist() for r in reports)
        assert pack.read(reports[0]["file"]).startswith(b"%PDF")
