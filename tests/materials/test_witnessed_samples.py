"""Witnesses authorised in writing, samples taken by two samplers in front of one, the witness
confirming on the tablet, and the witness report with its 30% share per mandatory category."""

import datetime
import json

import pytest
from django.utils import timezone

from acceptance.materials import actions, queries
from acceptance.materials.models import Sample, WitnessAuthorisation
from plumbline.core.errors import Conflict, InvalidInput, PermissionDenied
from projects.models import Organisation
from tests.materials.helpers import DAY, SAMPLERS, demo_batch, lab, new_batch, new_sample, pdf, pdf_stream, person


def test_the_owner_authorises_named_witnesses_with_a_signed_letter(world, as_persona):
    api = as_persona("owner")
    witnesses = [
        {"person_id": person("inspector").pk, "certificate_number": "粤见证-1"},
        {"person_id": person("chief_inspector").pk, "certificate_number": "粤见证-2"},
    ]
    response = api.client.post(
        f"/api/v1/projects/{world['project'].code}/materials/witness-authorisations",
        data={"witnesses": json.dumps(witnesses), "signed_on": "2026-06-01", "file": pdf("letter.pdf")},
        headers=api.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["authorised_by_party"] == "owner"
    assert [w["certificate_number"] for w in body["witnesses"]] == ["粤见证-1", "粤见证-2"]


@pytest.mark.parametrize(
    "witnesses",
    [
        [],
        [{"person_id": 1, "certificate_number": "a"}] * 3,
        "outsider",
        "contractor",
        "no-certificate",
    ],
)
def test_a_letter_names_one_or_two_members_with_certificates(world, witnesses):
    if witnesses == "outsider":
        witnesses = [{"person_id": person("outsider").pk, "certificate_number": "x"}]
    elif witnesses == "contractor":  # the contractor's staff may not witness its own samples
        witnesses = [{"person_id": person("contractor").pk, "certificate_number": "x"}]
    elif witnesses == "no-certificate":
        witnesses = [{"person_id": person("inspector").pk, "certificate_number": " "}]
    before = WitnessAuthorisation.objects.count()
    with pytest.raises(InvalidInput):
        actions.authorise_witnesses(
            world["project"], witnesses=witnesses, signed_on=DAY, stream=pdf_stream(), actor=world["users"]["owner"]
        )
    assert WitnessAuthorisation.objects.count() == before


def test_the_contractor_may_not_authorise_its_own_witnesses(world):
    with pytest.raises(PermissionDenied):
        actions.authorise_witnesses(
            world["project"],
            witnesses=[{"person_id": person("contractor").pk, "certificate_number": "x"}],
            signed_on=DAY,
            stream=pdf_stream(),
            actor=world["users"]["contractor"],
        )


def test_a_sample_needs_two_samplers_a_testing_lab_and_an_authorised_witness(world):
    batch = new_batch(world, number="SAMPLE")
    contractor = world["users"]["contractor"]
    base = dict(batch_id=batch.pk, code="S-9", taken_on=DAY, samplers=SAMPLERS, lab_id=lab().pk, actor=contractor)
    cases = [
        ({"samplers": SAMPLERS[:1]}, "samplers"),
        ({"lab_id": Organisation.objects.get(kind="contractor").pk}, "lab_id"),
        ({"witness_person_id": person("contractor").pk}, "witness_person_id"),  # not named in any letter
        ({"taken_on": datetime.date(2026, 4, 1)}, "witness_person_id"),  # named only from 2026-04-02
        ({"taken_on": timezone.localdate() + datetime.timedelta(days=1)}, "taken_on"),
        ({"tests": ["compressive_strength_28d"]}, "tests"),  # not a test of rebar
    ]
    for change, field in cases:
        fields = {**base, "witness_person_id": person("inspector").pk, **change}
        with pytest.raises(InvalidInput) as refused:
            actions.record_sample(world["project"], **fields)
        assert refused.value.extra["field"] == field, change
    assert not Sample.objects.filter(batch=batch).exists()


def test_only_the_named_witness_confirms_a_sample(world, as_persona):
    batch = new_batch(world, number="WIT")
    sample = new_sample(world, batch, named_witness=True)
    assert not sample.is_witnessed
    url = f"/projects/{world['project'].code}/materials/batches/{batch.pk}/samples/{sample.pk}/witness"
    assert as_persona("owner").post(url).status_code == 409
    confirmed = as_persona("inspector").post(url)
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["is_witnessed"] is True
    assert as_persona("inspector").post(url).status_code == 200  # again: still confirmed, nothing new


def test_samples_are_taken_of_accepted_batches_only_and_codes_are_unique(world):
    delivered = new_batch(world, number="NOT-YET", accept=False)
    with pytest.raises(Conflict) as refused:
        new_sample(world, delivered)
    assert refused.value.code == "batch_not_accepted"
    accepted = new_batch(world, number="YES")
    new_sample(world, accepted, code="DUP")
    with pytest.raises(Conflict):
        new_sample(world, accepted, code="DUP")


def test_the_witness_report_gives_the_share_per_category_and_flags_cement_in_the_demo(world, as_persona):
    response = as_persona("auditor").get(f"/projects/{world['project'].code}/materials/witness-report")
    assert response.status_code == 200
    rows = {row["category"]: row for row in response.json()}
    assert rows["cement"] == {**rows["cement"], "required": 2, "taken": 2, "witnessed": 0, "is_below": True}
    assert rows["concrete_cubes"]["witnessed"] == 2 and not rows["concrete_cubes"]["is_below"]
    assert rows["rebar"]["share"] == 0.5
    assert list(rows)[:8] == [
        "concrete_cubes",
        "rebar",
        "rebar_splices",
        "cement",
        "mortar_cubes",
        "bricks_blocks",
        "admixtures",
        "waterproofing",
    ]  # the mandatory categories, each listed even with nothing required yet
    blockers = queries.witness_blockers(world["project"])
    assert [(b["code"], b["category"]) for b in blockers] == [("witness_share_low", "cement")]
    assert "0 of the 2 required samples" in blockers[0]["message"]


def test_witnessing_a_cement_sample_lifts_it_over_the_threshold(world, settings):
    new_sample(world, demo_batch("cement"), code="SN-2026-003", witnessed=True)
    assert queries.witness_blockers(world["project"]) == []  # 1 witnessed of the 2 required
    settings.MATERIAL_WITNESS_MIN_PERCENT = 60  # a stricter region: half is not enough
    assert [b["category"] for b in queries.witness_blockers(world["project"])] == ["rebar", "cement"]
