"""What the material records say about acceptance, asked through the materials app's queries
(acceptance/materials, label `materials`): a lot is refused while a batch linked to its elements
failed a test or waits for one, the unit project while a mandatory category's witnessed share is
low. Imported lazily, so acceptance works before (and without) that app: no app, no blocker."""

from importlib import import_module


def _materials_function(name: str):
    try:
        module = import_module("acceptance.materials.queries")
    except ModuleNotFoundError as exc:
        if exc.name not in ("acceptance.materials", "acceptance.materials.queries"):
            raise  # the app is there but something it imports is missing: that is a bug, say so
        return None
    return getattr(module, name, None)


def material_blockers(project, global_ids: set[str]) -> list[dict]:
    """[{"code": "material_failed" | "material_untested", "message": str, "batch_id": int}]"""
    function = _materials_function("acceptance_blockers")
    if function is None or not global_ids:
        return []
    return list(function(project, set(global_ids)))


def witness_blockers(project) -> list[dict]:
    """[{"code": "witness_share_low", "message": str, ...}]"""
    function = _materials_function("witness_blockers")
    return [] if function is None else list(function(project))
