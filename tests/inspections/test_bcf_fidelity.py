"""Nothing of a BCF file is dropped without a word: assignee, stage, type, raw labels and priority,
related topics, documents and cameras are kept and go out again; GlobalIds no model holds wait
for a model that has them; 2.0's selected components and ZIP names without the UTF-8 flag are
read; and the import report names whatever could not be kept, with why."""

import io
import uuid
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bim import actions as bim_actions
from bim.models import ModelVersion
from inspections.bcf import read_bcf, write_bcf
from inspections.demo import finding_photo_png
from inspections.models import Finding, FindingViewpoint
from plumbline.core.audit.models import AuditEvent
from tests.inspections.test_bcf import CAMERA, topic
from tests.model_versions import edited


def upload(api, code, data, name="issues.bcf"):
    response = api.client.post(
        f"/api/v1/projects/{code}/findings/bcf", headers=api.headers, data={"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 200, response.content
    return response.json()


def export(api, code, version):
    response = api.client.get(f"/api/v1/projects/{code}/findings/bcf?bcf_version={version}", headers=api.headers)
    assert response.status_code == 200, response.content
    return read_bcf(response.content)


def demo_version(world):
    return ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")


def test_what_a_topic_says_beyond_our_fields_is_kept_and_exported_again(world, as_persona):
    code = world["project"].code
    contractor = world["users"]["contractor"]
    contractor.email = "pm@builder.example"
    contractor.save(update_fields=["email"])
    wall = demo_version(world).elements.first().global_id
    related = str(uuid.uuid4())
    item = topic(
        [wall],
        topic_type="Clash",
        stage="施工图",
        priority="High",
        labels=["Architecture", "structure"],
        assigned_to="PM@builder.example",
        due_date="2026-12-24T12:00:00Z",
        related_topics=[related],
        reference_links=["https://example.org/issue/7"],
        document_references=[{"guid": str(uuid.uuid4()), "url": "https://example.org/spec.pdf", "description": "规范"}],
    )
    upload(as_persona("inspector"), code, write_bcf([item], version="3.0"))
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert (finding.severity, finding.category, finding.bcf_priority, finding.bcf_labels) == (
        "major",
        "structure",
        "High",
        ["Architecture", "structure"],
    )
    assert (finding.bcf_topic_type, finding.bcf_stage, finding.bcf_assignee, str(finding.due_date)) == (
        "Clash",
        "施工图",
        contractor,
        "2026-12-24",
    )
    assert FindingViewpoint.objects.get(finding=finding).data["perspective_camera"]["field_of_view"] == 60.0
    for version in ("2.1", "3.0"):
        (out,) = [t for t in export(as_persona("owner"), code, version).topics if t["guid"] == item["guid"]]
        assert (out["topic_type"], out["stage"], out["priority"], out["labels"]) == (
            "Clash",
            "施工图",
            "High",
            ["Architecture", "structure"],
        )
        assert (out["assigned_to"], out["related_topics"], out["reference_links"]) == (
            "PM@builder.example",
            [related],
            ["https://example.org/issue/7"],
        )
        assert out["due_date"].startswith("2026-12-24T12:00:00")
        assert [r["url"] for r in out["document_references"]] == ["https://example.org/spec.pdf"]
        assert out["viewpoints"][0]["perspective_camera"]["camera_view_point"] == CAMERA["camera_view_point"]


def test_global_ids_no_model_holds_wait_and_are_mapped_when_a_model_with_them_is_ready(
    world, as_persona, django_capture_on_commit_callbacks
):
    code = world["project"].code
    version = demo_version(world)
    data, new_ids = edited(version, regenerate=["2F 北墙"])
    future = new_ids["2F 北墙"]
    item = topic([future])
    report = upload(as_persona("inspector"), code, write_bcf([item]))
    assert report["unknown_global_ids"] == [future]
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert (finding.global_ids, finding.unmapped_global_ids) == ([], [future])
    (out,) = [t for t in export(as_persona("owner"), code, "2.1").topics if t["guid"] == item["guid"]]
    assert out["global_ids"] == [future]  # kept for the tools that have that model
    with django_capture_on_commit_callbacks(execute=True):
        bim_actions.upload_model_version(
            world["project"],
            stream=io.BytesIO(data),
            original_name="v2.ifc",
            model_name=version.model.name,
            size=len(data),
            actor=world["users"]["contractor"],
        )
    finding.refresh_from_db()
    assert finding.global_ids == [future] and finding.unmapped_global_ids == []
    assert AuditEvent.objects.filter(action="finding.global_ids_mapped", target_id=str(finding.pk)).count() == 1


def _zip(files: dict, *, raw_names: dict | None = None) -> bytes:
    """A ZIP of `files`; `raw_names` {placeholder: bytes} then replaces names in the ZIP's own
    headers by bytes written without the UTF-8 flag (as many Windows tools write GBK names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = out.getvalue()
    for placeholder, raw in (raw_names or {}).items():
        assert len(placeholder.encode()) == len(raw)
        data = data.replace(placeholder.encode(), raw)
    return data


def _markup(guid, snapshot="snapshot.png", viewpoint="viewpoint.bcfv"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Markup><Topic Guid="{guid}" TopicStatus="Open"><Title>渗水</Title>
<CreationDate>2026-11-20T09:00:00Z</CreationDate><CreationAuthor>someone@else.example</CreationAuthor></Topic>
<Viewpoints Guid="{uuid.uuid4()}"><Viewpoint>{viewpoint}</Viewpoint><Snapshot>{snapshot}</Snapshot></Viewpoints>
</Markup>"""


def test_a_bcf_2_0_component_selected_true_counts_as_selected(world, as_persona):
    wall = demo_version(world).elements.first().global_id
    guid = str(uuid.uuid4())
    visinfo = f"""<VisualizationInfo><Components>
<Component IfcGuid="{wall}" Selected="true" Visible="true"/>
<Component IfcGuid="0000000000000000000001" Selected="false" Visible="false"/></Components></VisualizationInfo>"""
    data = _zip(
        {
            "bcf.version": '<Version VersionId="2.0"/>',
            f"{guid}/markup.bcf": _markup(guid),
            f"{guid}/viewpoint.bcfv": visinfo,
            f"{guid}/snapshot.png": finding_photo_png("2.0"),
        }
    )
    report = upload(as_persona("inspector"), world["project"].code, data)
    assert report["dropped"] == []
    finding = Finding.objects.get(client_uuid=guid)
    assert finding.global_ids == [wall]
    visibility = finding.viewpoints.get().data["components"]["visibility"]
    assert visibility == {"default_visibility": True, "exceptions": [{"ifc_guid": "0000000000000000000001"}]}


def test_a_snapshot_named_without_the_utf8_flag_is_found(world, as_persona):
    guid = str(uuid.uuid4())
    data = _zip(
        {
            "bcf.version": '<Version VersionId="2.1"/>',
            f"{guid}/markup.bcf": _markup(guid, snapshot="快照.png"),
            f"{guid}/viewpoint.bcfv": f'<VisualizationInfo Guid="{uuid.uuid4()}"/>',
            f"{guid}/XXXX.png": finding_photo_png("gbk"),
        },
        raw_names={"XXXX.png": "快照.png".encode("gbk")},
    )
    report = upload(as_persona("inspector"), world["project"].code, data)
    assert report["dropped"] == []
    assert Finding.objects.get(client_uuid=guid).photos.count() == 1


def test_the_import_report_names_what_it_could_not_keep_and_why(world, as_persona, settings):
    guid = str(uuid.uuid4())
    settings.PHOTO_MAX_BYTES = 50_000
    big = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 50_000
    data = _zip(
        {
            "bcf.version": '<Version VersionId="2.1"/>',
            f"{guid}/markup.bcf": _markup(guid),
            f"{guid}/viewpoint.bcfv": f'<VisualizationInfo Guid="{uuid.uuid4()}"/>',
            f"{guid}/snapshot.png": big.getvalue(),
            f"{guid}/notes.txt": "a file no topic names",
        }
    )
    dropped = upload(as_persona("inspector"), world["project"].code, data)["dropped"]
    assert {(d["topic"], d["what"]) for d in dropped} == {(guid, "snapshot.png"), (None, f"{guid}/notes.txt")}
    assert all(d["why"] for d in dropped)
    assert "limit" in next(d["why"] for d in dropped if d["what"] == "snapshot.png")
    assert Finding.objects.filter(client_uuid=guid).exists()  # the topic itself still came in


def test_exported_snapshots_are_png_first_in_2_1_and_at_most_1500_pixels(world, as_persona):
    from inspections.bcf import read_bcf as read

    inspector = as_persona("inspector")
    code = world["project"].code
    finding = Finding.objects.filter(project=world["project"]).first()
    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 180, 160)).save(photo, "JPEG")
    response = inspector.client.post(
        f"/api/v1/projects/{code}/findings/{finding.pk}/photos",
        headers=inspector.headers,
        data={"file": SimpleUploadedFile("big.jpg", photo.getvalue()), "client_uuid": str(uuid.uuid4())},
    )
    assert response.status_code in (200, 201), response.content
    for version in ("2.1", "3.0"):
        response = inspector.client.get(
            f"/api/v1/projects/{code}/findings/bcf?bcf_version={version}", headers=inspector.headers
        )
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        images = [
            n for n in archive.namelist() if n.startswith(f"{finding.client_uuid}/") and n.endswith((".png", ".jpg"))
        ]
        assert images
        for name in images:
            assert max(Image.open(io.BytesIO(archive.read(name))).size) <= 1500
        if version == "2.1":
            assert Image.open(io.BytesIO(archive.read(f"{finding.client_uuid}/snapshot.png"))).format == "PNG"
        assert read(response.content).topics


def test_a_heic_photo_from_a_tablet_goes_out_as_a_png_snapshot(world, as_persona):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    inspector = as_persona("inspector")
    code = world["project"].code
    finding = Finding.objects.filter(project=world["project"]).exclude(global_ids=[]).first()
    photo = io.BytesIO()
    Image.new("RGB", (2400, 1800), (90, 120, 150)).save(photo, "HEIF")
    response = inspector.client.post(
        f"/api/v1/projects/{code}/findings/{finding.pk}/photos",
        headers=inspector.headers,
        data={"file": SimpleUploadedFile("IMG_0001.HEIC", photo.getvalue()), "client_uuid": str(uuid.uuid4())},
    )
    assert response.status_code in (200, 201), response.content
    sha = response.json()["sha256"]
    for version in ("2.1", "3.0"):
        response = inspector.client.get(
            f"/api/v1/projects/{code}/findings/bcf?bcf_version={version}", headers=inspector.headers
        )
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        (topic,) = [t for t in read_bcf(response.content).topics if t["guid"] == str(finding.client_uuid)]
        snapshots = [v["snapshot"]["data"] for v in topic["viewpoints"] if v.get("snapshot")]
        converted = [Image.open(io.BytesIO(d)) for d in snapshots if Image.open(io.BytesIO(d)).size == (1500, 1125)]
        assert [i.format for i in converted] == ["PNG"], (version, sha, archive.namelist())


def test_a_finding_shows_what_its_bcf_topic_said(world, as_persona):
    code = world["project"].code
    item = topic(["0000000000000000000009"], topic_type="Clash", stage="施工图", assigned_to="someone@else.example")
    upload(as_persona("inspector"), code, write_bcf([item], version="3.0"))
    finding = Finding.objects.get(client_uuid=item["guid"])
    bcf = as_persona("owner").get(f"/projects/{code}/findings/{finding.pk}").json()["bcf"]
    assert bcf == {
        "topic_type": "Clash",
        "stage": "施工图",
        "priority": "",  # "Major" is our severity major: nothing more to say
        "labels": [],
        "assigned_to": "someone@else.example",
        "assignee": None,  # no member has that e-mail: kept as text
        "related_topics": [],
        "unmapped_global_ids": ["0000000000000000000009"],
        "viewpoints": 1,
    }
