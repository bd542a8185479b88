"""Lab reports and what a failed test sets off: the batch fails, its elements are flagged on the
plan, one finding per failure opens for the contractor on them, their lots are blocked until
the retest or a disposition; and links to elements by GlobalId or by a rule."""

import datetime
import io
import json

import pytest
from django.test import TestCase
from django.utils import timezone

from acceptance.materials import actions, queries
from acceptance.materials.models import BatchElement, LabReport, MaterialBatch
from inspections.models import Finding
from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import Conflict, InvalidInput
from tests.materials.helpers import DAY, demo_batch, new_batch, new_report, new_sample, pdf, person, results


def columns_2f(world) -> list[str]:
    version = world["ids_run"].version
    return list(version.elements.filter(ifc_class="IfcColumn", storey__name="2F").values_list("global_id", flat=True))


def test_the_demo_rebar_failed_flags_the_2f_columns_and_opened_one_finding(world, as_persona):
    rebar = demo_batch("rebar")
    assert rebar.status == "failed"
    version = world["ids_run"].version
    flagged = as_persona("owner").get(
        f"/projects/{world['project'].code}/materials/flagged-elements?version_id={version.pk}"
    )
    assert flagged.status_code == 200
    assert sorted(flagged.json()["global_ids"]) == sorted(columns_2f(world)) and len(columns_2f(world)) == 4
    finding = rebar.failure_finding
    assert finding.responsible_party == "contractor" and finding.status == "open"
    assert sorted(finding.global_ids) == sorted(columns_2f(world))
    blockers = queries.acceptance_blockers(world["project"], set(columns_2f(world)))
    assert [(b["code"], b["batch_id"]) for b in blockers] == [("material_failed", rebar.pk)]
    assert "GJ2605-118" in blockers[0]["message"]
    slab = version.elements.get(ifc_class="IfcSlab", storey__name="2F").global_id
    assert queries.acceptance_blockers(world["project"], {slab}) == []  # the concrete passed
    assert [b.pk for b in queries.batches_linked_to(world["project"], {slab})] == [demo_batch("concrete_cubes").pk]


def test_a_report_for_a_sample_of_another_batch_is_refused_and_nothing_changes(world, as_persona):
    concrete, rebar = demo_batch("concrete_cubes"), demo_batch("rebar")
    sample = new_sample(world, concrete, code="OTHER-1")
    api = as_persona("inspector")
    before = LabReport.objects.count()
    response = api.client.post(
        f"/api/v1/projects/{world['project'].code}/materials/batches/{rebar.pk}/reports",
        data={
            "sample_id": sample.pk,
            "report_number": "BG-X",
            "issued_on": "2026-06-02",
            "results": json.dumps(results(sample)),
            "file": pdf(),
        },
        headers=api.headers,
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "sample_id"
    assert "OTHER-1" in response.json()["detail"]
    assert LabReport.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issued_on": timezone.localdate() + datetime.timedelta(days=1)}, "issued_on"),
        ({"issued_on": DAY - datetime.timedelta(days=1)}, "issued_on"),  # before the sample was taken
        ({"results": [{"test": "yield_strength", "passed": True}]}, "results"),  # the other tests missing
        ({"results": [{"test": "density", "passed": True}]}, "results"),  # not asked
    ],
)
def test_bad_reports_are_refused(world, change, field):
    batch = new_batch(world, number="BADREP")
    sample = new_sample(world, batch)
    fields = dict(
        batch_id=batch.pk,
        sample_id=sample.pk,
        report_number="R",
        issued_on=DAY,
        results=results(sample),
        stream=io.BytesIO(b"%PDF-1.4 x"),
        actor=world["users"]["inspector"],
    )
    with pytest.raises(InvalidInput) as refused:
        actions.record_lab_report(world["project"], **{**fields, **change})
    assert refused.value.extra["field"] == field
    batch.refresh_from_db()
    assert batch.status == "accepted" and not LabReport.objects.filter(sample=sample).exists()


def test_a_failed_retest_rejects_the_batch_and_a_passing_one_unblocks_its_elements(world):
    version = world["ids_run"].version
    walls = list(version.elements.filter(ifc_class="IfcWall", storey__name="1F").values_list("global_id", flat=True))
    batch = new_batch(world, number="RETEST", quantity="60")
    actions.link_batch_elements(
        world["project"], batch_id=batch.pk, version_id=version.pk, global_ids=walls, actor=world["users"]["contractor"]
    )
    assert queries.acceptance_blockers(world["project"], set(walls))[0]["code"] == "material_untested"
    first = new_sample(world, batch, code="F-1", witnessed=True)
    new_report(world, batch, first, number="R-F1", failed=("elongation",))
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.failures == 1
    finding = Finding.objects.get(pk=batch.failure_finding_id)
    assert sorted(finding.global_ids) == sorted(walls)
    assert queries.acceptance_blockers(world["project"], set(walls))[0]["code"] == "material_failed"
    with pytest.raises(Conflict) as early:
        actions.record_batch_disposition(
            world["project"],
            batch_id=batch.pk,
            disposition="retest_passed",
            decided_on=DAY,
            actor=world["users"]["inspector"],
        )
    assert early.value.code == "retest_missing"
    with pytest.raises(InvalidInput) as too_few:
        new_sample(world, batch, code="F-2", is_retest=True, specimens=4)
    assert too_few.value.extra["field"] == "specimens"  # double the 4 specimens of rebar
    retest = new_sample(world, batch, code="F-2", is_retest=True)
    assert retest.specimens == 8
    new_report(world, batch, retest, number="R-F2")
    actions.record_batch_disposition(
        world["project"],
        batch_id=batch.pk,
        disposition="retest_passed",
        decided_on=DAY,
        actor=world["users"]["inspector"],
    )
    batch.refresh_from_db()
    assert batch.status == "retest_passed"
    # the material was sound after all: the failure's finding closes, saying why, on the record
    finding.refresh_from_db()
    assert finding.status == "closed"
    closing = finding.steps.order_by("-created_at").first()
    assert closing.kind == "verified" and "retest" in closing.note
    assert AuditEvent.objects.filter(action="finding.verified", target_id=str(finding.pk)).exists()
    assert queries.flagged_global_ids(world["project"], version) == set(columns_2f(world))  # the demo rebar only
    # 60 t needs one sampling: it was reported (failed), its retest passed; nothing is missing
    assert queries.acceptance_blockers(world["project"], set(walls)) == []


def test_a_second_failure_leaves_return_or_an_approved_treatment(world):
    rebar = demo_batch("rebar")
    retest = new_sample(world, rebar, code="GJ-RETEST", is_retest=True)
    new_report(world, rebar, retest, number="R-2", failed=("yield_strength",))
    rebar.refresh_from_db()
    assert rebar.failures == 2
    assert Finding.objects.filter(pk=rebar.failure_finding_id).exists()
    inspector = world["users"]["inspector"]
    with pytest.raises(Conflict) as refused:
        actions.record_batch_disposition(
            world["project"], batch_id=rebar.pk, disposition="retest_passed", decided_on=DAY, actor=inspector
        )
    assert refused.value.code == "retest_failed"
    with pytest.raises(InvalidInput) as not_designer:
        actions.record_batch_disposition(
            world["project"],
            batch_id=rebar.pk,
            disposition="engineering_treatment",
            decided_on=DAY,
            note="柱加大截面",
            approved_by_person_id=person("surveyor").pk,
            actor=inspector,
        )
    assert not_designer.value.code == "signer_not_in_role"
    with pytest.raises(InvalidInput):  # the designer was not appointed yet on that day
        actions.record_batch_disposition(
            world["project"],
            batch_id=rebar.pk,
            disposition="engineering_treatment",
            decided_on=datetime.date(2026, 3, 1),
            note="柱加大截面",
            approved_by_person_id=person("designer").pk,
            actor=inspector,
        )
    rebar.refresh_from_db()
    assert rebar.status == "failed"
    actions.record_batch_disposition(
        world["project"],
        batch_id=rebar.pk,
        disposition="engineering_treatment",
        decided_on=DAY,
        note="柱加大截面，经设计复核",
        approved_by_person_id=person("designer").pk,
        actor=inspector,
    )
    rebar.refresh_from_db()
    assert rebar.status == "treated" and rebar.treatment_approved_by == person("designer")
    # the treatment still has to be carried out on the columns: the finding stays open, noting it
    finding = Finding.objects.get(pk=rebar.failure_finding_id)
    assert finding.status == "open"
    note = finding.steps.order_by("-created_at").first()
    assert note.kind == "comment" and "柱加大截面，经设计复核" in note.note and person("designer").name in note.note
    assert queries.flagged_global_ids(world["project"], world["ids_run"].version) == set()


def test_a_failure_opens_one_finding_however_often_elements_are_linked(world):
    rebar = demo_batch("rebar")
    version = world["ids_run"].version
    findings = Finding.objects.count()
    for actor in ("inspector", "contractor", "inspector"):
        actions.link_batch_elements(
            world["project"],
            batch_id=rebar.pk,
            version_id=version.pk,
            rule={"ifc_class": "IfcColumn", "material": "混凝土", "storey": "2F"},
            actor=world["users"][actor],
        )
    assert Finding.objects.count() == findings
    assert BatchElement.objects.filter(batch=rebar).count() == 4


def test_linking_by_rule_and_by_hand_and_refusing_elements_of_another_project(world):
    from bim import actions as bim_actions
    from bim.ifc.build import demo_model
    from projects import actions as project_actions

    batch = new_batch(world, number="LINK")
    version = world["ids_run"].version
    contractor = world["users"]["contractor"]
    linked = actions.link_batch_elements(
        world["project"],
        batch_id=batch.pk,
        version_id=version.pk,
        rule={"ifc_class": "IfcWall", "pset": "Pset_WallCommon", "prop": "IsExternal", "value": "True", "storey": "1F"},
        actor=contractor,
    )
    assert linked["linked"] > 0
    with pytest.raises(InvalidInput) as nothing:
        actions.link_batch_elements(
            world["project"],
            batch_id=batch.pk,
            version_id=version.pk,
            rule={"ifc_class": "IfcBeam", "material": "Steel"},
            actor=contractor,
        )
    assert nothing.value.extra["field"] == "rule"
    with pytest.raises(InvalidInput) as unknown:
        actions.link_batch_elements(
            world["project"], batch_id=batch.pk, version_id=version.pk, global_ids=["0" * 22], actor=contractor
        )
    assert unknown.value.extra["field"] == "global_ids"
    other = project_actions.create_project(
        code="OTHER-1", name="另一个项目", address="广州", region_code="440106", actor=world["users"]["owner"]
    )
    project_actions.add_project_member(
        other, person_id=person("contractor").pk, role="contractor", actor=world["users"]["owner"]
    )
    data = demo_model().to_string().encode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        foreign, _ = bim_actions.upload_model_version(
            other, stream=io.BytesIO(data), original_name="x.ifc", model_name="x", size=len(data), actor=contractor
        )
    foreign.refresh_from_db()
    before = BatchElement.objects.filter(batch=batch).count()
    with pytest.raises(InvalidInput) as elsewhere:
        actions.link_batch_elements(
            world["project"],
            batch_id=batch.pk,
            version_id=foreign.pk,
            global_ids=[foreign.elements.first().global_id],
            actor=contractor,
        )
    assert elsewhere.value.extra["field"] == "version_id"
    assert BatchElement.objects.filter(batch=batch).count() == before


def test_the_insurance_pack_and_the_archive_read_batches_with_samples_and_reports(world):
    rebar = demo_batch("rebar")
    linked = list(queries.batches_linked_to(world["project"], set(columns_2f(world))))
    assert linked == [rebar]
    sample = linked[0].samples.all()[0]
    assert queries.report_of(sample).report_number == "BG-2026-05-0211"
    assert set(queries.batches_for_archive(world["project"]).values_list("category", flat=True)) == {
        "rebar",
        "concrete_cubes",
        "cement",
    }
    assert MaterialBatch.objects.filter(project=world["project"]).count() == 3


def test_the_quality_archive_files_batches_with_certificates_and_lab_reports_in_group_c(world, tmp_path):
    import zipfile

    from django.core.management import call_command

    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        listing = json.loads(archive.read("C-construction/materials.json"))
    rebar = next(b for b in listing["batches"] if b["category"] == "rebar")
    assert rebar["status"] == "failed" and len(rebar["elements"]) == 4
    report = rebar["samples"][0]["report"]
    assert report["report_number"] == "BG-2026-05-0211" and report["is_passed"] is False
    assert report["file"] in names and rebar["certificates"][0]["file"] in names
    assert listing["witness_authorisations"][0]["file"] in names
    call_command("archive", "verify", str(path))


def test_a_failed_batch_follows_its_elements_into_a_re_exported_version(world, django_capture_on_commit_callbacks):
    from tests.model_versions import accept_remaps, upload_next

    version = world["ids_run"].version
    with django_capture_on_commit_callbacks(execute=True):
        later, new_ids = upload_next(world, version, regenerate=["2F 柱 C1"], move=["2F 柱 C2"])
    accept_remaps(world, later)
    later.refresh_from_db()
    assert later.status == "ready"
    flagged = queries.flagged_global_ids(world["project"], later)
    assert new_ids["2F 柱 C1"] in flagged and len(flagged) == 4  # re-exported and moved, still flagged
    blockers = queries.acceptance_blockers(world["project"], {new_ids["2F 柱 C1"]})
    assert [b["code"] for b in blockers] == ["material_failed"]
