import io

import pytest

from bim import actions
from bim.ifc.build import demo_model


def ifc_bytes(model) -> bytes:
    return model.to_string().encode()


@pytest.fixture(scope="session")
def demo_ifc4() -> bytes:
    return ifc_bytes(demo_model("IFC4"))


@pytest.fixture(scope="session")
def demo_ifc2x3() -> bytes:
    return ifc_bytes(demo_model("IFC2X3"))


@pytest.fixture
def upload(world, django_capture_on_commit_callbacks):
    """Upload bytes as the demo contractor; tasks run in-process when the upload commits, so the
    version comes back done."""

    def do(data: bytes, name: str = "model.ifc", model_name: str = "Architecture"):
        with django_capture_on_commit_callbacks(execute=True):
            version, _ = actions.upload_model_version(
                world["project"],
                stream=io.BytesIO(data),
                original_name=name,
                model_name=model_name,
                size=len(data),
                actor=world["users"]["contractor"],
            )
        version.refresh_from_db()
        return version

    return do
