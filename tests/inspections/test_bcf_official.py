"""BCF that every other BIM tool accepts: our exports validate against buildingSMART's XSDs in both
versions, and each of buildingSMART's own test files (tests/data/bcf, with their licence) imports
with nothing dropped and comes out again with its topics, comments, dates, authors, labels,
GlobalIds and viewpoints."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.dateparse import parse_datetime

from inspections.bcf import read_bcf
from tests.inspections.bcf_schemas import CASES, violations


def export(api, code, version):
    response = api.client.get(f"/api/v1/projects/{code}/findings/bcf?bcf_version={version}", headers=api.headers)
    assert response.status_code == 200, response.content
    return response.content


def upload(api, code, data, name):
    response = api.client.post(
        f"/api/v1/projects/{code}/findings/bcf", headers=api.headers, data={"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("version", ["2.1", "3.0"])
def test_the_demo_exports_validate_against_the_official_schema(world, as_persona, version):
    data = export(as_persona("owner"), world["project"].code, version)
    assert violations(data, version) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if version == "3.0":
            assert "extensions.xml" in names
            assert all(b"Camera>" in archive.read(n) for n in names if n.endswith(".bcfv"))
        else:
            folders = {n.split("/")[0] for n in names if n.endswith("/markup.bcf")}
            for folder in folders:
                snapshots = [n for n in names if n.startswith(f"{folder}/") and n.endswith((".png", ".jpg"))]
                assert not snapshots or f"{folder}/snapshot.png" in names
        for name in names:
            assert b"<Selection/>" not in archive.read(name)


def _when(value):
    return parse_datetime(value) if value else None


def _comparable(topic):
    return {
        "title": topic["title"],
        "creation_date": _when(topic["creation_date"]),
        # a topic without one (the schemas require one) goes out written by whoever imported it
        "creation_author": topic["creation_author"] or None,
        "labels": sorted(topic["labels"]),
        "comments": sorted(
            (c["guid"].lower(), c["text"], c["author"], _when(c["date"])) for c in topic["comments"] if c["text"]
        ),
        "assigned_to": topic["assigned_to"],
        "related_topics": sorted(g.lower() for g in topic["related_topics"]),
    }


def _as_schema_allows(camera, version):
    """A camera as a file of `version` can hold it: BCF 2.1 allows a field of view of 45 to 60
    degrees only (the finding keeps its author's; 3.0 writes it as it came)."""
    if camera and version == "2.1" and "field_of_view" in camera:
        return {**camera, "field_of_view": min(max(camera["field_of_view"], 45.0), 60.0)}
    return camera


def _upper_colors(part):
    """Colours are hex; 2.1's schema allows upper case only."""
    if isinstance(part, list):
        return [{**c, "color": c["color"].upper()} if "color" in c else c for c in part]
    return part


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.stem}" for c in CASES])
def test_an_official_test_file_imports_with_nothing_dropped_and_round_trips(world, as_persona, case):
    code = world["project"].code
    data = case.read_bytes()
    original = read_bcf(data)
    report = upload(as_persona("inspector"), code, data, case.name)
    assert report["dropped"] == []
    assert sorted(report["created"]) == sorted(t["guid"] for t in original.topics)
    same = "3.0" if original.version == "3.0" else "2.1"
    for version in ("2.1", "3.0"):
        exported = export(as_persona("inspector"), code, version)
        assert violations(exported, version) == []
        again = {t["guid"].lower(): t for t in read_bcf(exported).topics}
        for topic in original.topics:
            out = again[topic["guid"].lower()]
            expected, got = _comparable(topic), _comparable(out)
            if expected["creation_author"] is None:
                assert got["creation_author"]  # whoever imported it
                got["creation_author"] = None
            assert got == expected
            if version == same:
                # each viewpoint with its Index (the order BCF readers show them in; 2.1 names the
                # one of Index 0 viewpoint.bcfv), its camera and what it shows
                mine_by_guid = {v["guid"].lower(): v for v in out["viewpoints"]}
                assert set(mine_by_guid) == {v["guid"].lower() for v in topic["viewpoints"]}
                assert sorted(out["global_ids"]) == sorted(topic["global_ids"])
                for theirs in topic["viewpoints"]:
                    mine = mine_by_guid[theirs["guid"].lower()]
                    assert mine.get("index") == theirs.get("index")
                    for camera in ("perspective_camera", "orthogonal_camera"):
                        assert mine.get(camera) == _as_schema_allows(theirs.get(camera), version)
                    for part in ("selection", "visibility", "coloring"):
                        assert _upper_colors(mine.get("components", {}).get(part)) == _upper_colors(
                            theirs.get("components", {}).get(part)
                        )
