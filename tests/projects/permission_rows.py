"""Permission-matrix rows of the buildings endpoints: every member and the region's auditor read
the buildings; only the owner's staff add or change them. And of the architect in charge and the
design changes: only the owner appoints (the demo project's region does not run the system: 409),
the parties and the auditor read the design changes, the owner records and signs them off."""

from tests.permission_rows import project_row

READ_MEMBERS_AND_AUDITOR = {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor"}


def building_2(world, persona):
    return {"building_id": world["project"].buildings.get(name="2#").pk}


READ_DESIGN_CHANGES = {"contractor", "inspector", "owner", "insurer", "auditor"}


def architect_body(world, persona):
    designer = world["users"]["designer"].person
    return {
        "organisation_id": designer.organisation_id,
        "architect_id": designer.pk,
        "registration_number": "2011440100001",
        "start_date": "2026-05-04",
    }


def a_design_change(world, persona):
    from projects import actions

    change = actions.propose_design_change(
        world["project"], description="屋面改为种植屋面", actor=world["users"]["owner"]
    )
    return {"change_id": change.pk}


ROWS = [
    project_row("POST", "/api/v1/projects/{code}/architect-in-charge", 409, {"owner"}, body=architect_body),
    project_row("GET", "/api/v1/projects/{code}/design-changes", 200, READ_DESIGN_CHANGES),
    project_row(
        "POST", "/api/v1/projects/{code}/design-changes", 201, {"owner"}, body={"description": "地下室防水等级提高"}
    ),
    project_row(
        "POST",
        "/api/v1/projects/{code}/design-changes/{change_id}/sign-off",
        200,
        {"owner"},
        params=a_design_change,
        body={},
    ),
    project_row("GET", "/api/v1/projects/{code}/buildings", 200, READ_MEMBERS_AND_AUDITOR),
    project_row(
        "POST", "/api/v1/projects/{code}/buildings", 201, {"owner"}, body={"name": "3#", "storeys_above_ground": 6}
    ),
    project_row(
        "PATCH",
        "/api/v1/projects/{code}/buildings/{building_id}",
        200,
        {"owner"},
        params=building_2,
        body={"use": "商业"},
    ),
]
