"""BCF files cross to and from another BIM tool: IfcOpenShell's bcf-client (the BCF library that
BlenderBIM/Bonsai uses) reads what Plumbline exports, and Plumbline imports what it writes."""

import uuid

import numpy as np
import pytest
from bcf.v2.bcfxml import BcfXml as Bcf2
from bcf.v3.bcfxml import BcfXml as Bcf3
from bcf.v3.model import markup as markup3
from xsdata.models.datatype import XmlDateTime

from bim.models import ModelVersion
from inspections.exchange import export_bcf
from inspections.models import Finding


@pytest.fixture
def version(world):
    return ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")


@pytest.mark.parametrize(("bcf_version", "reader"), [("2.1", Bcf2), ("3.0", Bcf3)])
def test_another_tool_reads_our_topics_comments_and_elements(world, tmp_path, bcf_version, reader):
    path = tmp_path / "out.bcf"
    path.write_bytes(export_bcf(world["project"], version=bcf_version))
    findings = {str(f.client_uuid): f for f in Finding.objects.filter(project=world["project"])}
    with reader.load(path) as bcf:
        assert set(bcf.topics) == set(findings)
        for guid, handler in bcf.topics.items():
            finding = findings[guid]
            assert handler.topic.title == finding.title
            assert {c.comment for c in handler.comments} >= {
                s.note for s in finding.steps.all() if s.note and s.note != finding.description
            }
            for viewpoint in handler.viewpoints.values():
                selected = [c.ifc_guid for c in viewpoint.visualization_info.components.selection.component]
                assert selected == finding.global_ids


def test_a_bcf_3_file_written_by_another_tool_imports_onto_our_elements(world, version, tmp_path, as_persona):
    wall = version.elements.get(name="2F 北墙")
    bcf = Bcf3.create_new("Design review")
    handler = bcf.add_topic(
        "Wall thickness differs from drawing",
        "Check on site",
        "designer@arch.example",
        topic_type="Issue",
        topic_status="Open",
    )
    handler.comments = [
        markup3.Comment(
            guid=str(uuid.uuid4()),
            date=XmlDateTime.from_string("2026-11-20T09:00:00Z"),
            author="designer@arch.example",
            comment="See grid B/3",
        )
    ]
    handler.add_viewpoint_from_point_and_guids(np.array([0.0, 0.0, 0.0]), wall.global_id)
    path = tmp_path / "review.bcf"
    bcf.save(path)

    api = as_persona("inspector")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.client.post(
        f"/api/v1/projects/{world['project'].code}/findings/bcf",
        headers=api.headers,
        data={"file": SimpleUploadedFile("review.bcf", path.read_bytes())},
    )
    assert response.status_code == 200, response.content
    finding = Finding.objects.get(client_uuid=handler.guid)
    assert (finding.title, finding.status, finding.global_ids, finding.version) == (
        "Wall thickness differs from drawing",
        "open",
        [wall.global_id],
        version,
    )
    assert list(finding.steps.filter(kind="comment").values_list("note", "author_name")) == [
        ("See grid B/3", "designer@arch.example")
    ]
