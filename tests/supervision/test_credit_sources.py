"""Quality credit from the acceptance and insurance apps: a lab report failing a mandatory
category scores against the project's contractor, a claim the insurer accepted scores against
the party its repair is assigned to; found by supervision reading those apps' queries (they never
import it), heard at once through their saves, and never scored twice."""

import pytest

from acceptance.materials.models import LabReport
from insurance import actions as insurance_actions
from insurance.models import DefectClaim
from projects.models import Organisation
from supervision import actions
from supervision.models import CreditEvent, OrganisationCredit

pytestmark = pytest.mark.django_db


def contractor():
    return Organisation.objects.get(kind="contractor")


def test_a_failed_mandatory_test_scores_three_points_against_the_contractor(world):
    failed = LabReport.objects.filter(is_passed=False, sample__batch__project=world["project"])
    assert failed.count() == 1  # the materials demo's rebar batch
    actions.recompute_credit()
    (event,) = CreditEvent.objects.filter(rule="material_test_failed")
    report = failed.get()
    assert (event.organisation, event.project, event.points) == (contractor(), world["project"], 3)
    assert event.occurred_on == report.issued_on and report.report_number in event.description


def test_an_upheld_claim_scores_five_points_against_the_party_repairing_it(world):
    upheld = DefectClaim.objects.filter(project=world["project"], repair_appointment__isnull=False)
    assert upheld.count() == 1  # the demo's leak, accepted and assigned to the contractor
    actions.recompute_credit()
    (event,) = CreditEvent.objects.filter(rule="claim_upheld")
    assert (event.organisation, event.points) == (upheld.get().repair_appointment.organisation, 5)
    assert event.organisation == contractor()
    declined = DefectClaim.objects.get(project=world["project"], status="declined")  # the paint, after its window
    assert not CreditEvent.objects.filter(source_key=f"claim_upheld:{declined.pk}").exists()
    assert OrganisationCredit.objects.get(organisation=contractor()).points >= 3 + 5


def test_recomputing_again_scores_nothing_twice(world):
    actions.recompute_credit()
    before = set(CreditEvent.objects.values_list("source_key", "points"))
    again = actions.recompute_credit()
    assert again["events_added"] == 0
    assert set(CreditEvent.objects.values_list("source_key", "points")) == before


def test_a_repair_assigned_is_heard_at_once(world, django_capture_on_commit_callbacks):
    """The claim's save reaches supervision by a signal: the credit is recomputed on commit."""
    project = world["project"]
    users = world["users"]
    actions.recompute_credit()
    claim = DefectClaim.objects.filter(project=project, status="filed").first()
    assert claim is not None
    insurance_actions.move_claim(project, claim_id=claim.pk, verb="survey", note="现场查勘", actor=users["tis"])
    insurance_actions.move_claim(project, claim_id=claim.pk, verb="accept", note="属保险责任", actor=users["insurer"])
    with django_capture_on_commit_callbacks(execute=True):
        insurance_actions.move_claim(
            project,
            claim_id=claim.pk,
            verb="assign_repair",
            party="contractor",
            note="施工单位返修",
            actor=users["insurer"],
        )
    assert CreditEvent.objects.filter(rule="claim_upheld", source_key=f"claim_upheld:{claim.pk}").exists()
