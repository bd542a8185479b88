"""The quality archive carries the acceptance records: lots to divisions under C-construction
with their inspections, signatures and documents, the unit projects under E (kept permanently)."""

import json
import zipfile

from django.core.management import call_command


def test_the_archive_files_the_acceptance_records_in_their_groups(world, tmp_path):
    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        records = json.loads(archive.read("C-construction/acceptance.json"))
        units = json.loads(archive.read("E-completion-acceptance/unit-projects.json"))
    foundation = next(r for r in records if r["level"] == "division" and r["code"] == "01")
    assert foundation["status"] == "accepted"
    assert {s["capacity"] for s in foundation["signatures"]} >= {"survey_leader", "design_leader"}
    assert foundation["files"][0]["kind"] == "safety_function_test" and foundation["files"][0]["file"] in names
    lot = next(r for r in records if r["code"] == "020102-001")
    assert lot["elements"] and lot["inspections"][0]["result"] == "passed"
    assert [s["capacity"] for s in lot["signatures"]] == [
        "contractor_quality_inspector",
        "contractor_foreman",
        "supervising_engineer",
    ]
    assert [(u["building"], u["retention"]) for u in units] == [("1#", "permanent")]
    call_command("archive", "verify", str(path))
