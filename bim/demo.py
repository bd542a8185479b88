"""The bim app's part of the demo: the demo building's IFC model, built in code and ingested now
(the site runs the demo's tasks in this process), so a plan shows at once, and an IDS file of
fire ratings checked against it."""

import io

from . import actions
from .ifc.build import demo_ids, demo_model

MODEL_NAME = "1# 建筑"


def load(context) -> None:
    """`context` is the projects demo's DemoContext: the contractor uploads, the designer checks."""
    project, contractor, designer = context.project, context.user("contractor"), context.user("designer")
    data = demo_model("IFC4").to_string().encode()
    version, _ = actions.upload_model_version(
        project,
        stream=io.BytesIO(data),
        original_name="1#-architecture.ifc",
        model_name=MODEL_NAME,
        size=len(data),
        actor=contractor,
    )
    _link_building(context, version)
    rules = actions.upload_ids(project, stream=io.BytesIO(demo_ids()), original_name="fire-ratings.ids", actor=designer)
    actions.request_ids_run(project, version_id=version.pk, ids_id=rules.pk, actor=designer)


def _link_building(context, version) -> None:
    """Building 1# is the IfcBuilding its storeys belong to in the demo model."""
    from projects.actions import update_building

    global_ids = sorted(
        set(version.storeys.exclude(building_global_id="").values_list("building_global_id", flat=True))
    )
    update_building(
        context.project,
        building_id=context.buildings["1#"].pk,
        changes={"ifc_global_ids": global_ids},
        actor=context.owner,
    )
