"""Permission-matrix rows of the buildings endpoints: every member and the region's auditor read
the buildings; only the owner's staff add or change them."""

from tests.permission_rows import project_row

READ_MEMBERS_AND_AUDITOR = {"contractor", "inspector", "owner", "home_owner", "insurer", "auditor"}


def building_2(world, persona):
    return {"building_id": world["project"].buildings.get(name="2#").pk}


ROWS = [
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
