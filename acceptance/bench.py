"""`plumbline bench acceptance`: generating a sub-item's lots for a model of N elements and
computing the building's tree, timed and with their queries counted, at growing N.

Each size gets a synthetic project in one transaction that is rolled back at the end, so nothing
is kept: a ready model version whose elements (columns, beams, slabs and walls of concrete, spread
over the storeys) are written as rows, as ingest writes them, a building linked to its
IfcBuilding, the split proposed and approved through the actions, then the measured calls:
`generate_inspection_lots` (one lot per storey), the same rule run again (nothing new: the cost
of checking what the lots already hold), and `acceptance_tree`.
"""

import time
import uuid

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

SIZES = (12_500, 25_000, 50_000)
CLASSES = ("IfcColumn", "IfcBeam", "IfcSlab", "IfcWall")


class _RolledBack(Exception):
    pass


def _global_id(n: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"
    digits = []
    for _ in range(22):
        n, r = divmod(n, 64)
        digits.append(alphabet[r])
    return "".join(reversed(digits))


def _world(elements: int, storeys: int):
    """A project with a contractor and a chief supervising engineer, building B1 and its ready
    model version of `elements` elements over `storeys` storeys."""
    from bim.models import Element, IfcModel, ModelVersion, Storey
    from projects.models import (
        Building,
        Organisation,
        OrganisationKind,
        Person,
        Project,
        ProjectMembership,
    )

    tag = uuid.uuid4().hex[:8]
    User = get_user_model()
    project = Project.objects.create(code=f"bench-{tag}", name="bench", address="bench", region_code="440106")
    people = {}
    for role, kind in (("contractor", OrganisationKind.CONTRACTOR), ("chief_inspector", OrganisationKind.SUPERVISOR)):
        organisation = Organisation.objects.create(credit_code=f"B{tag}{role[:9]}".upper()[:18], name=role, kind=kind)
        user = User.objects.create(username=f"bench-{tag}-{role}")
        person = Person.objects.create(user=user, name=role, organisation=organisation)
        ProjectMembership.objects.create(project=project, person=person, organisation=organisation, role=role)
        people[role] = user
    building_gid = _global_id(10**12)
    model = IfcModel.objects.create(project=project, name="bench")
    version = ModelVersion.objects.create(
        model=model,
        number=1,
        file_key="bench",
        sha256="0" * 64,
        size=0,
        uploaded_by=people["contractor"],
        status="ready",
    )
    storey_rows = Storey.objects.bulk_create(
        [
            Storey(version=version, global_id=_global_id(10**11 + i), name=f"{i + 1}F", elevation=3.0 * i,
                   building_global_id=building_gid)
            for i in range(storeys)
        ]
    )  # fmt: skip
    Element.objects.bulk_create(
        (
            Element(
                version=version,
                global_id=_global_id(i),
                ifc_class=CLASSES[i % len(CLASSES)],
                name=f"E{i}",
                storey=storey_rows[i % storeys],
                material_names="Concrete C30",
            )
            for i in range(elements)
        ),
        batch_size=2000,
    )
    building = Building.objects.create(project=project, name="B1", ifc_global_ids=[building_gid])
    return project, building, version, people


def _measured(work):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    return result, {"seconds": round(seconds, 3), "queries": len(queries)}


def bench_size(elements: int, storeys: int) -> dict:
    from . import actions, queries

    line = {}
    try:
        with transaction.atomic():
            project, building, version, people = _world(elements, storeys)
            contractor, chief = people["contractor"], people["chief_inspector"]
            actions.propose_acceptance_plan(
                project, building_id=building.pk, sub_items=[{"code": "020103"}], actor=contractor
            )
            actions.approve_acceptance_plan(project, building_id=building.pk, actor=chief)
            rule = {"sub_item_code": "020103", "ifc_classes": list(CLASSES), "material": "Concrete"}

            def generate():
                return actions.generate_inspection_lots(project, building_id=building.pk, **rule, actor=contractor)

            result, first = _measured(generate)
            again, rerun = _measured(generate)
            tree, status = _measured(lambda: queries.acceptance_tree(building))
            line = {
                "elements": elements,
                "storeys": storeys,
                "lots": len(result["created"]),
                "lot_elements": sum(
                    lot["element_count"] for lot in tree["children"][0]["children"][0]["children"][0]["children"]
                ),
                "generate": first,
                "generate_again": {**rerun, "lots_created": len(again["created"])},
                "tree": status,
            }
            raise _RolledBack
    except _RolledBack:
        pass
    for key in ("generate", "generate_again", "tree"):
        line[key]["ms_per_1000_elements"] = round(1000 * line[key]["seconds"] * 1000 / elements, 2)
    return line


def bench_acceptance(sizes=SIZES, storeys: int = 50):
    """One dict per size, smallest first."""
    for elements in sorted(sizes):
        yield bench_size(elements, storeys)
