"""Later versions of the demo model for tests of records that follow elements across versions:
the previous version's own file, edited with ifcopenshell.api (an element moved, renamed, or
re-exported under a new GlobalId), uploaded again as the same model."""

import io

import ifcopenshell
import ifcopenshell.api
import ifcopenshell.guid
import ifcopenshell.util.placement

from bim import actions
from bim.models import ModelVersion
from storage import get_storage


def edited(version: ModelVersion, *, move=(), rename=(), regenerate=()) -> tuple[bytes, dict[str, str]]:
    """The version's file with the elements named in `move` shifted 0.5 m east, those in `rename`
    renamed (" (renovated)" appended), those in `regenerate` given new GlobalIds; and the new
    GlobalIds by element name."""
    with get_storage().open(version.file_key) as stream:
        model = ifcopenshell.file.from_string(stream.read().decode())
    by_name = {e.Name: e for e in model.by_type("IfcProduct") if e.Name}
    for name in move:
        product = by_name[name]
        matrix = ifcopenshell.util.placement.get_local_placement(product.ObjectPlacement)
        matrix[0][3] += 0.5
        ifcopenshell.api.run("geometry.edit_object_placement", model, product=product, matrix=matrix)
    for name in rename:
        by_name[name].Name = f"{name} (renovated)"
    new_ids = {}
    for name in regenerate:
        by_name[name].GlobalId = new_ids[name] = ifcopenshell.guid.new()
    return model.to_string().encode(), new_ids


def upload_next(world, version: ModelVersion, **edits) -> tuple[ModelVersion, dict[str, str]]:
    """The next version of `version`'s model, read in this process (run it where commits run
    on-commit callbacks: a transactional test, or inside django_capture_on_commit_callbacks)."""
    data, new_ids = edited(version, **edits)
    upload = actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(data),
        original_name=f"v{version.number + 1}.ifc",
        model_name=version.model.name,
        size=len(data),
        actor=world["users"]["contractor"],
    )
    return upload[0], new_ids


def accept_remaps(world, version: ModelVersion) -> None:
    """Accept every remap the diff proposes (what a contractor does after a re-export)."""
    version.refresh_from_db()
    for proposal in version.diff.get("proposed_remaps", []):
        actions.accept_remap(
            world["project"],
            version_id=version.pk,
            old_global_id=proposal["from"],
            new_global_id=proposal["to"],
            actor=world["users"]["contractor"],
        )
