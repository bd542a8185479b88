"""Resident ID numbers are read in full only by the person, platform administrators, and, for a
leader appointed on a project, its owner staff and the auditors of its region; everybody else
reads them masked, in every response, archive and export that carries one. People an auditor
may not see do not exist for them."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from archive.export import stream_archive
from projects.validators import mask_id_number
from tests.conftest import PERSONAS

VIEWERS = [*PERSONAS, "admin", "anonymous"]
FULL, MASKED = "full", "masked"

# viewer -> what they read of the ID number of the demo project manager (张施工, an appointed leader)
LEADER = {
    "contractor": FULL,  # themself
    "inspector": MASKED,
    "owner": FULL,  # owner staff of a project he leads
    "home_owner": MASKED,
    "insurer": MASKED,
    "auditor": FULL,  # his project is in the auditor's region
    "auditor_sz": 404,
    "outsider": MASKED,  # same organisation
    "admin": FULL,
    "anonymous": 401,
}
# ... of a supervising engineer who works on the project but leads nothing (赵监理)
MEMBER = {
    "contractor": MASKED,
    "inspector": FULL,
    "owner": MASKED,
    "home_owner": MASKED,
    "insurer": MASKED,
    "auditor": MASKED,
    "auditor_sz": 404,
    "outsider": 404,
    "admin": FULL,
    "anonymous": 401,
}
# ... of contractor staff on no project at all (何路人): not for the auditors of any region
UNASSIGNED = {
    "contractor": MASKED,
    "inspector": 404,
    "owner": 404,
    "home_owner": 404,
    "insurer": 404,
    "auditor": 404,
    "auditor_sz": 404,
    "outsider": FULL,
    "admin": FULL,
    "anonymous": 401,
}
# the archive's register lists every leader: the two who may download it read them in full
ARCHIVE = {**{v: 403 for v in ("contractor", "inspector", "home_owner", "insurer")}, "owner": FULL, "auditor": FULL}
ARCHIVE.update({"auditor_sz": 404, "outsider": 404, "admin": 404, "anonymous": 401})
# registering a person answers with their record: the owner's organisation admin reads it masked
REGISTER = {v: 403 for v in VIEWERS} | {"owner": MASKED, "admin": FULL, "anonymous": 401}

OPERATIONS = {
    "get_person(leader)": LEADER,
    "get_person(member)": MEMBER,
    "get_person(unassigned)": UNASSIGNED,
    "download_archive": ARCHIVE,
    "register_person": REGISTER,
}
CASES = [(op, viewer) for op, table in OPERATIONS.items() for viewer in VIEWERS]


def test_every_operation_that_carries_an_id_number_is_tested_for_every_persona():
    assert all(set(table) == set(VIEWERS) for table in OPERATIONS.values())
    assert len(CASES) == 50


def _read(response, full: str) -> str:
    number = response.json()["id_number"]
    assert number in (full, mask_id_number(full)), number
    return FULL if number == full else MASKED


def _archive_leaders(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        register = json.loads(archive.read("A-preparation/register.json"))
    return {a["leader"]["name"]: a["leader"]["id_number"] for a in register["appointments"]}


@pytest.mark.parametrize(("operation", "viewer"), CASES)
def test_an_id_number_is_read_in_full_only_by_those_the_rule_names(operation, viewer, world, as_persona):
    users = world["users"]
    api = as_persona(viewer)
    expected = OPERATIONS[operation][viewer]
    if operation.startswith("get_person"):
        username = {"leader": "contractor", "member": "inspector", "unassigned": "outsider"}[operation[11:-1]]
        person = users[username].person
        response = api.get(f"/people/{person.pk}")
        seen = _read(response, person.id_number) if response.status_code == 200 else response.status_code
    elif operation == "download_archive":
        response = api.get(f"/projects/{world['project'].code}/archive")
        seen = response.status_code
        if response.status_code == 200:
            leaders = {a.leader for a in world["project"].appointments.select_related("leader")}
            numbers = _archive_leaders(b"".join(response.streaming_content))
            kinds = {FULL if numbers[p.name] == p.id_number else MASKED for p in leaders}
            assert len(kinds) == 1, numbers
            seen = kinds.pop()
    else:
        from projects.models import Organisation

        body = {
            "username": f"new-{viewer}",
            "name": "新员工",
            "organisation_id": Organisation.objects.get(kind="owner").pk,
            "id_number": "440106199306150025",
        }
        response = api.post("/people", body)
        seen = _read(response, body["id_number"]) if response.status_code == 201 else response.status_code
    assert seen == expected, f"{viewer} on {operation}: {response.status_code} {response.content[:200]!r}"


def test_an_archive_made_for_someone_masks_the_leaders_they_may_not_read_in_full(world):
    project, inspector = world["project"], world["users"]["inspector"]
    numbers = _archive_leaders(b"".join(stream_archive(project, user=inspector)))
    leaders = {a.leader for a in project.appointments.select_related("leader")}
    assert numbers and all(numbers[p.name] == mask_id_number(p.id_number) for p in leaders)


def test_the_operators_export_on_the_command_line_keeps_the_full_numbers(world, tmp_path):
    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    numbers = _archive_leaders(path.read_bytes())
    leaders = {a.leader for a in world["project"].appointments.select_related("leader")}
    assert all(numbers[p.name] == p.id_number for p in leaders)


def test_a_masked_number_keeps_only_province_city_and_the_last_four(world, as_persona):
    person = world["users"]["inspector"].person
    seen = as_persona("contractor").get(f"/people/{person.pk}").json()["id_number"]
    assert seen == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
