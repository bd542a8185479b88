"""One batch walked through the API as the people on site do it: registered, its certificate
filed, accepted on entry, linked to the 1F columns by a rule, sampled with a witness who
confirms, failed in the lab (the columns flagged, a finding for the contractor), retested on
double the specimens, passed, and its disposition recorded: the columns' lots are free again."""

import json

from acceptance.materials import queries
from inspections.models import Finding
from tests.materials.helpers import SAMPLERS, lab, pdf, person


def test_a_batch_from_delivery_to_a_passed_retest_through_the_api(world, as_persona):
    code = world["project"].code
    version = world["ids_run"].version
    contractor, inspector = as_persona("contractor"), as_persona("inspector")
    base = f"/projects/{code}/materials/batches"

    created = contractor.post(
        base,
        {
            "category": "rebar",
            "product": "热轧带肋钢筋",
            "specification": "HRB400E Φ22",
            "manufacturer": "广东韶钢",
            "batch_number": "GJ-1F-01",
            "quantity": "45",
            "delivered_on": "2026-06-01",
        },
    )
    assert created.status_code == 201, created.content
    batch = created.json()
    url = f"{base}/{batch['id']}"
    upload = contractor.client.post(
        f"/api/v1{url}/certificates",
        data={"kind": "product", "number": "HG-1", "file": pdf()},
        headers=contractor.headers,
    )
    assert upload.status_code == 201
    entry = contractor.post(f"{url}/entry-inspection", {"result": "accepted", "inspected_on": "2026-06-01"})
    assert entry.json()["status"] == "accepted"
    linked = contractor.post(
        f"{url}/elements",
        {"version_id": version.pk, "rule": {"ifc_class": "IfcColumn", "material": "混凝土", "storey": "1F"}},
    )
    assert linked.json()["linked"] == 4
    columns = {e["global_id"] for e in contractor.get(url).json()["elements"]}
    assert len(columns) == 4
    untested = queries.acceptance_blockers(world["project"], columns)
    assert [b["code"] for b in untested] == ["material_untested"]

    sample = contractor.post(
        f"{url}/samples",
        {
            "code": "GJ-1F-S1",
            "taken_on": "2026-06-02",
            "samplers": SAMPLERS,
            "lab_id": lab().pk,
            "witness_person_id": person("inspector").pk,
        },
    )
    assert sample.status_code == 201, sample.content
    sample = sample.json()
    assert sample["specimens"] == 4 and sample["is_witnessed"] is False
    assert inspector.post(f"{url}/samples/{sample['id']}/witness").json()["is_witnessed"] is True

    def report(sample, number, failed=(), issued_on="2026-06-05"):
        results = [{"test": t, "value": "1", "passed": t not in failed} for t in sample["tests"]]
        return inspector.client.post(
            f"/api/v1{url}/reports",
            data={
                "sample_id": sample["id"],
                "report_number": number,
                "issued_on": issued_on,
                "results": json.dumps(results),
                "file": pdf(f"{number}.pdf"),
            },
            headers=inspector.headers,
        )

    failed = report(sample, "BG-1F-1", failed=("bend",))
    assert failed.status_code == 201 and failed.json()["is_passed"] is False
    state = contractor.get(url).json()
    assert state["status"] == "failed" and state["failure_finding_id"]
    finding = Finding.objects.get(pk=state["failure_finding_id"])
    assert set(finding.global_ids) == columns and finding.responsible_party == "contractor"
    flagged = contractor.get(f"/projects/{code}/materials/flagged-elements?version_id={version.pk}").json()
    assert columns <= set(flagged["global_ids"])
    assert [b["code"] for b in queries.acceptance_blockers(world["project"], columns)] == ["material_failed"]

    retest = contractor.post(
        f"{url}/samples",
        {"code": "GJ-1F-S2", "taken_on": "2026-06-06", "samplers": SAMPLERS, "lab_id": lab().pk, "is_retest": True},
    )
    assert retest.status_code == 201 and retest.json()["specimens"] == 8
    assert report(retest.json(), "BG-1F-2", issued_on="2026-06-08").status_code == 201
    decided = inspector.post(f"{url}/disposition", {"disposition": "retest_passed", "decided_on": "2026-06-09"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "retest_passed"
    assert queries.acceptance_blockers(world["project"], columns) == []
    flagged = contractor.get(f"/projects/{code}/materials/flagged-elements?version_id={version.pk}").json()
    assert not columns & set(flagged["global_ids"])
