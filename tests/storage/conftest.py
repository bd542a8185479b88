import pytest

from tests.conftest import require_service
from tests.services import seaweed_s3


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    try:
        with seaweed_s3(tmp_path_factory.mktemp("seaweed")) as server:
            yield server
    except RuntimeError as exc:
        require_service("S3 server (weed mini)", str(exc))
