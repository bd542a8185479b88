"""The materials API in the permission matrix (tests/projects/test_permission_matrix.py): parties,
TIS, insurer and the region's auditor read; the contractor registers, inspects and samples; the
owner (or chief supervising engineer) authorises witnesses; inspectors report and decide."""

import json

from tests.permission_rows import project_row

VIEWERS = {"contractor", "inspector", "owner", "insurer", "auditor"}
BATCHES = "/api/v1/projects/{code}/materials/batches"
BATCH = BATCHES + "/{batch_id}"


def _batch(category):
    def params(world, persona):
        from tests.materials.helpers import demo_batch

        return {"batch_id": demo_batch(category).pk}

    return params


def a_delivered_batch(world, persona):
    """A batch just delivered, its certificate on file: ready for the entry inspection."""
    from acceptance.materials.actions import add_batch_certificate
    from tests.materials.helpers import new_batch, pdf_stream

    batch = new_batch(world, number=f"P-{persona}", accept=False)
    add_batch_certificate(
        world["project"], batch_id=batch.pk, kind="product", stream=pdf_stream(), actor=world["users"]["contractor"]
    )
    return {"batch_id": batch.pk}


def a_sample_to_witness(world, persona):
    from tests.materials.helpers import demo_batch, new_sample

    batch = demo_batch("concrete_cubes")
    sample = new_sample(world, batch, code=f"W-{persona}", named_witness=True)
    return {"batch_id": batch.pk, "sample_id": sample.pk}


def a_sample_to_report(world, persona):
    from tests.materials.helpers import demo_batch, new_sample

    batch = demo_batch("concrete_cubes")
    new_sample(world, batch, code=f"R-{persona}")
    return {"batch_id": batch.pk}


def report_upload():
    from acceptance.materials.models import Sample
    from tests.materials.helpers import pdf

    sample = Sample.objects.filter(code__startswith="R-", report__isnull=True).latest("pk")
    return {
        "sample_id": sample.pk,
        "report_number": "BG-MATRIX",
        "issued_on": "2026-06-02",
        "results": json.dumps([{"test": t, "value": "31.2", "unit": "MPa", "passed": True} for t in sample.tests]),
        "file": pdf("report.pdf"),
    }


def certificate_upload():
    from tests.materials.helpers import pdf

    return {"kind": "product", "number": "HG-1", "file": pdf("certificate.pdf")}


def authorisation_upload():
    from tests.materials.helpers import pdf, person

    witnesses = [{"person_id": person("inspector").pk, "certificate_number": "粤见证-2026-0999"}]
    return {"witnesses": json.dumps(witnesses), "signed_on": "2026-06-01", "file": pdf("letter.pdf")}


def a_version(world, persona):
    from bim.models import ModelVersion

    return {"version_id": ModelVersion.objects.get(model__project=world["project"]).pk}


def link_body(world, persona):
    from bim.models import ModelVersion

    version = ModelVersion.objects.get(model__project=world["project"])
    return {"version_id": version.pk, "global_ids": [version.elements.filter(ifc_class="IfcWall").first().global_id]}


NEW_BATCH = {
    "category": "rebar",
    "product": "热轧带肋钢筋",
    "specification": "HRB400E Φ20",
    "manufacturer": "广东韶钢",
    "batch_number": "GJ-MATRIX",
    "quantity": "30",
    "delivered_on": "2026-06-01",
}

ROWS = [
    project_row("GET", BATCHES, 200, VIEWERS),
    project_row("POST", BATCHES, 201, {"contractor"}, body=NEW_BATCH),
    project_row("GET", BATCH, 200, VIEWERS, params=_batch("rebar")),
    project_row(
        "POST", BATCH + "/certificates", 201, {"contractor"}, params=_batch("rebar"), multipart=certificate_upload
    ),
    project_row(
        "POST",
        BATCH + "/entry-inspection",
        200,
        {"contractor"},
        params=a_delivered_batch,
        body={"result": "accepted", "inspected_on": "2026-06-01"},
    ),
    project_row("POST", BATCH + "/elements", 200, {"contractor", "inspector"}, params=_batch("rebar"), body=link_body),
    project_row(
        "POST",
        BATCH + "/samples",
        201,
        {"contractor"},
        params=_batch("concrete_cubes"),
        body=lambda world, persona: {
            "code": f"M-{persona}",
            "taken_on": "2026-06-01",
            "samplers": [
                {"name": "刘取样", "certificate_number": "A-1"},
                {"name": "黄取样", "certificate_number": "A-2"},
            ],
            "lab_id": __import__("tests.materials.helpers", fromlist=["lab"]).lab().pk,
        },
    ),
    project_row(
        "POST",
        BATCH + "/samples/{sample_id}/witness",
        200,
        {"inspector", "owner"},
        params=a_sample_to_witness,
        overrides={"owner": 409},  # may witness, but the sample names the supervising engineer
    ),
    project_row("POST", BATCH + "/reports", 201, {"inspector"}, params=a_sample_to_report, multipart=report_upload),
    project_row(
        "POST",
        BATCH + "/disposition",
        200,
        {"inspector"},
        params=_batch("rebar"),
        body={"disposition": "returned", "decided_on": "2026-06-01", "note": "退场"},
    ),
    project_row("GET", "/api/v1/projects/{code}/materials/witness-authorisations", 200, VIEWERS),
    project_row(
        "POST",
        "/api/v1/projects/{code}/materials/witness-authorisations",
        201,
        {"owner"},
        multipart=authorisation_upload,
    ),
    project_row("GET", "/api/v1/projects/{code}/materials/witness-report", 200, VIEWERS),
    project_row(
        "GET",
        "/api/v1/projects/{code}/materials/flagged-elements?version_id={version_id}",
        200,
        VIEWERS,
        params=a_version,
    ),
]
