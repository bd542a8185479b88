"""Named records (the audit chain's anchors): written once, never replaced, listed by folder, on
every backend."""

import pytest

from storage import RecordExists, get_storage
from storage.s3 import S3Storage

BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def backend(request, settings, tmp_path):
    if request.param == "local":
        settings.LOCAL_STORAGE_DIR = tmp_path / "objects"
        get_storage.cache_clear()
        return get_storage()
    server = request.getfixturevalue("s3_server")
    return S3Storage(
        endpoint=server["endpoint"],
        access_key=server["access_key"],
        secret_key=server["secret_key"],
        bucket=server["bucket"],
    )


def test_a_record_is_written_once_and_never_replaced(backend, tmp_path):
    folder = f"records-test/{tmp_path.name}"
    backend.put_record(f"{folder}/000000000001.json", b'{"n": 1}')
    with pytest.raises(RecordExists):
        backend.put_record(f"{folder}/000000000001.json", b'{"n": "forged"}')
    with backend.open(f"{folder}/000000000001.json") as handle:
        assert handle.read() == b'{"n": 1}'


def test_records_are_listed_by_folder_in_order(backend, tmp_path):
    folder = f"records-test/{tmp_path.name}"
    assert backend.list_records(folder) == []
    for n in (3, 1, 2):
        backend.put_record(f"{folder}/{n:012d}.json", b"{}")
    backend.put_record(f"{folder}-other/000000000009.json", b"{}")
    assert backend.list_records(folder) == [f"{folder}/{n:012d}.json" for n in (1, 2, 3)]
