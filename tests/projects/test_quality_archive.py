"""The quality archive: one ZIP with a manifest of every file's sha256; verify names the first
file that does not match; export streams."""

import io
import json
import struct
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.archive import stream_archive, verify_archive


@pytest.fixture
def archive_file(world, tmp_path):
    path = tmp_path / "archive.zip"
    call_command("archive", "export", world["project"].code, "-o", str(path))
    return path


def test_the_archive_holds_the_register_letters_signs_and_audit_trail(archive_file):
    with zipfile.ZipFile(archive_file) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        register = json.loads(archive.read("register.json"))
        events = archive.read("audit/events.jsonl").decode().splitlines()
    assert {e["path"] for e in manifest["files"]} == set(names) - {"manifest.json"}
    assert sum(n.startswith("letters/") for n in names) == 10
    assert any(n.startswith("signs/") and n.endswith(".png") for n in names)
    contractor = next(a for a in register["appointments"] if a["party"] == "contractor")
    assert contractor["leader"]["name"] == "张施工" and len(contractor["leader"]["id_number"]) == 18
    assert json.loads(events[0])["action"] == "project.created"
    call_command("archive", "verify", str(archive_file))


def test_one_corrupted_byte_makes_verify_fail_and_name_the_file(archive_file):
    data = bytearray(archive_file.read_bytes())
    with zipfile.ZipFile(archive_file) as archive:
        target = next(i for i in archive.infolist() if i.filename.startswith("letters/contractor/"))
    # the file's data starts after its 30-byte local header, its name and its extra field
    name_length, extra_length = struct.unpack("<HH", data[target.header_offset + 26 : target.header_offset + 30])
    data[target.header_offset + 30 + name_length + extra_length + 5] ^= 0xFF
    archive_file.write_bytes(bytes(data))
    report = verify_archive(archive_file)
    assert not report.is_valid and report.path == target.filename
    with pytest.raises(CommandError, match=target.filename):
        call_command("archive", "verify", str(archive_file))


def test_a_file_changed_consistently_inside_the_zip_is_caught_by_its_hash(archive_file, tmp_path):
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(archive_file) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "register.json":
                data = data.replace("张施工".encode(), "王替身".encode())
            dst.writestr(info.filename, data)
    assert verify_archive(forged).path == "register.json"


def test_export_streams_in_chunks_as_files_are_added(world):
    chunks = list(stream_archive(world["project"], user=None))
    assert len(chunks) > 15 and max(len(c) for c in chunks) < 1024 * 1024
    assert verify_archive(io.BytesIO(b"".join(chunks))).is_valid


def test_owners_and_auditors_download_the_archive(world, as_persona):
    response = as_persona("auditor").client.get(
        f"/api/v1/projects/{world['project'].code}/archive", headers=as_persona("auditor").headers
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert verify_archive(io.BytesIO(b"".join(response.streaming_content))).is_valid
