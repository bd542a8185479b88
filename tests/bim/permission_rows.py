"""The BIM API's rows of the permission matrix that live beside the app's tests (the rest are in
tests/projects/test_permission_matrix.py): retiring a model whose every version failed."""

from tests.permission_rows import project_row


def a_failed_model(world, persona):
    """A model made of one junk upload, failed at the header check (a fresh one per persona)."""
    import io

    from bim import actions

    junk = b"%PDF-1.4 a drawing, not a model"
    version, _ = actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(junk),
        original_name="drawing.ifc",
        model_name=f"drawing {persona}",
        size=len(junk),
        actor=world["users"]["contractor"],
    )
    actions.fail_ingest(version.pk, "not_ifc")
    return {"model_id": version.model_id}


ROWS = [
    project_row("POST", "/api/v1/projects/{code}/models/{model_id}/retire", 200, {"contractor"}, params=a_failed_model),
]
