"""BCF exchange: findings go out as BCF 2.1 and 3.0 files that other BIM tools read, and BCF files
from those tools come in as findings on the current model's elements; a round trip keeps titles,
statuses, comments and GlobalIds, and a broken file is refused naming what is wrong."""

import io
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from bim.models import ModelVersion
from inspections.bcf import read_bcf, write_bcf
from inspections.demo import finding_photo_png
from inspections.exchange import topic_of
from inspections.models import Finding, FindingStep
from plumbline.core.audit.models import AuditEvent


@pytest.fixture
def demo(world):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return world["project"].code, version


def export(api, code, version="2.1"):
    response = api.client.get(f"/api/v1/projects/{code}/findings/bcf?bcf_version={version}", headers=api.headers)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content) if response.streaming else response.content


def upload(api, code, data, name="issues.bcf"):
    return api.client.post(
        f"/api/v1/projects/{code}/findings/bcf", headers=api.headers, data={"file": SimpleUploadedFile(name, data)}
    )


CAMERA = {
    "camera_view_point": {"x": -5.0, "y": -5.0, "z": 8.0},
    "camera_direction": {"x": 0.577, "y": 0.577, "z": -0.577},
    "camera_up_vector": {"x": 0.408, "y": 0.408, "z": 0.816},
    "field_of_view": 60.0,
    "aspect_ratio": 1.5,
}


def topic(global_ids, **extra):
    """A topic as another tool writes it: one viewpoint selecting the elements, with a snapshot."""
    snapshot = {"name": "snapshot.png", "data": finding_photo_png("bcf")}
    return {
        "guid": str(uuid.uuid4()),
        "title": "Crack in the wall",
        "status": "Open",
        "priority": "Major",
        "labels": ["structure"],
        "description": "Seen from the stair",
        "creation_date": "2026-11-20T09:00:00+08:00",
        "creation_author": "designer@arch.example",
        "global_ids": global_ids,
        "comments": [
            {
                "guid": str(uuid.uuid4()),
                "date": "2026-11-21T10:00:00+08:00",
                "author": "designer@arch.example",
                "text": "Please check the lintel too",
            }
        ],
        "viewpoints": [
            {
                "guid": str(uuid.uuid4()),
                "perspective_camera": CAMERA,
                "components": {"selection": [{"ifc_guid": g} for g in global_ids]},
                "snapshot": snapshot,
            }
        ],
        **extra,
    }


@pytest.mark.parametrize("bcf_version", ["2.1", "3.0"])
def test_a_round_trip_keeps_titles_statuses_comments_and_global_ids(demo, as_persona, bcf_version):
    code, version = demo
    data = export(as_persona("owner"), code, bcf_version)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert f'VersionId="{bcf_version}"' in archive.read("bcf.version").decode()
    findings = {str(f.client_uuid): f for f in Finding.objects.filter(project__code=code)}
    package = read_bcf(data)
    read_version, topics = package.version, package.topics
    assert read_version == bcf_version and {t["guid"] for t in topics} == set(findings)
    for item in topics:
        finding = findings[item["guid"]]
        assert item["title"] == finding.title and item["global_ids"] == finding.global_ids
        assert (
            item["status"]
            == {"open": "Open", "rectification_submitted": "Resolved", "closed": "Closed"}[finding.status]
        )
        notes = [s.note for s in finding.steps.all() if s.note and s.note != finding.description]
        assert [c["text"] for c in item["comments"]] == notes
        assert len(item["snapshots"]) == finding.photos.count()

    # into a project with no findings: every topic comes back with its title, comments, elements;
    # each starts open (a file is not a way around the workflow), the file's status reported as not applied
    Finding.objects.filter(project__code=code).delete()
    response = upload(as_persona("inspector"), code, data)
    assert response.status_code == 200, response.content
    assert len(response.json()["created"]) == len(findings) and response.json()["unknown_global_ids"] == []
    not_applied = {s["topic"]: s["status"] for s in response.json()["status_not_applied"]}
    assert not_applied == {g: f.status for g, f in findings.items() if f.status != "open"} != {}
    for item in topics:
        again = Finding.objects.get(client_uuid=item["guid"])
        assert (again.title, again.status, again.global_ids) == (
            findings[item["guid"]].title,
            "open",
            findings[item["guid"]].global_ids,
        )
        assert again.version == version
        comments = [s.note for s in again.steps.all() if s.kind == "comment"]
        assert comments == [c["text"] for c in item["comments"]]


@pytest.mark.chinese
def test_a_topic_from_another_tool_becomes_a_finding_on_the_current_version(demo, as_persona):
    code, version = demo
    wall = version.elements.get(name="2F 北墙")
    item = topic([wall.global_id, "0000000000000000000000"])
    response = upload(as_persona("inspector"), code, write_bcf([item], version="3.0"))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == [item["guid"]]
    assert response.json()["unknown_global_ids"] == ["0000000000000000000000"]  # named, not silently lost
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert (finding.version, finding.global_ids, finding.storey_global_id) == (
        version,
        [wall.global_id],
        wall.storey.global_id,
    )
    assert (finding.severity, finding.category, finding.status) == ("major", "structure", "open")
    assert finding.photos.count() == 1
    comment = finding.steps.get(kind="comment")
    detail = as_persona("contractor").get(f"/projects/{code}/findings/{finding.pk}").json()
    assert {
        "kind": "comment",
        "note": comment.note,
        "actor": "赵监理",  # who put it into Plumbline; the file's author is who wrote it, and where
        "written_by": "由 designer@arch.example 在 BCF 3.0 (issues.bcf) 中撰写",
        "written_at": "2026-11-21T02:00:00Z",  # when the designer wrote it (10:00 in Beijing), not the import
    }.items() <= detail["steps"][-1].items()
    with translation.override("en"):
        assert comment.written_by() == "written in BCF 3.0 (issues.bcf) by designer@arch.example"


def test_importing_the_same_file_twice_changes_nothing_and_an_edited_one_updates(demo, as_persona):
    code, version = demo
    item = topic([version.elements.first().global_id])
    inspector = as_persona("inspector")
    assert upload(inspector, code, write_bcf([item])).json()["created"] == [item["guid"]]
    counts = (Finding.objects.count(), FindingStep.objects.count())
    again = upload(inspector, code, write_bcf([item])).json()
    assert (again["created"], again["updated"]) == ([], [])
    assert (Finding.objects.count(), FindingStep.objects.count()) == counts
    edited = {
        **item,
        "status": "Closed",
        "comments": [
            *item["comments"],
            {"guid": str(uuid.uuid4()), "date": "2026-11-22T10:00:00+08:00", "author": "a", "text": "Fixed on site"},
        ],
    }
    report = upload(inspector, code, write_bcf([edited])).json()
    assert report["updated"] == [item["guid"]]
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert finding.steps.filter(kind="comment").count() == 2
    # an open finding is not closed by a file: nobody rectified it
    assert finding.status == "open"
    assert [(s["topic"], s["status"]) for s in report["status_not_applied"]] == [(item["guid"], "closed")]


def test_a_bcf_status_applies_as_the_workflow_move_the_importer_may_make(demo, as_persona, world):
    from inspections import actions
    from inspections.demo import finding_photo_png

    code, version = demo
    item = topic([version.elements.first().global_id])
    inspector = as_persona("inspector")
    upload(inspector, code, write_bcf([item]))
    finding = Finding.objects.get(client_uuid=item["guid"])
    contractor = world["users"]["contractor"]
    actions.add_finding_photo(
        finding.project,
        finding_id=finding.pk,
        client_uuid=uuid.uuid4(),
        stream=io.BytesIO(finding_photo_png("f")),
        actor=contractor,
    )
    actions.move_finding(
        finding.project, finding_id=finding.pk, verb="submit_rectification", note="patched", actor=contractor
    )
    events = AuditEvent.objects.filter(action="finding.verified").count()
    report = upload(inspector, code, write_bcf([{**item, "status": "Closed"}])).json()
    finding.refresh_from_db()
    assert finding.status == "closed" and report["status_not_applied"] == []
    assert finding.steps.order_by("-created_at").first().kind == "verified"
    assert AuditEvent.objects.filter(action="finding.verified").count() == events + 1


@pytest.mark.chinese
@pytest.mark.parametrize(("bcf_status", "status"), [("Closed", "closed"), ("Resolved", "rectification_submitted")])
def test_an_inspector_cannot_create_a_finding_already_closed_or_rectified_by_importing_it(
    demo, as_persona, bcf_status, status
):
    code, version = demo
    item = topic([version.elements.first().global_id], status=bcf_status)
    report = upload(as_persona("inspector"), code, write_bcf([item])).json()
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert finding.status == "open" and [s.kind for s in finding.steps.all()] == ["opened", "comment"]
    assert report["created"] == [item["guid"]]
    assert [(s["topic"], s["status"]) for s in report["status_not_applied"]] == [(item["guid"], status)]
    assert report["status_not_applied"][0]["why"] == "新问题一律以“待整改”开始，其状态只能经由整改流程变更"


@pytest.mark.chinese
def test_the_history_of_an_imported_topic_names_the_importer_as_actor_and_keeps_the_file_authors(demo, as_persona):
    code, version = demo
    item = topic([version.elements.first().global_id], creation_author="coordinator@mep.example")
    upload(as_persona("inspector"), code, write_bcf([item], version="2.1"), name="clash.bcf")
    finding = Finding.objects.get(client_uuid=item["guid"])
    inspector = finding.created_by
    assert [(s.kind, s.actor, s.written_by()) for s in finding.steps.all()] == [
        ("opened", inspector, "由 coordinator@mep.example 在 BCF 2.1 (clash.bcf) 中撰写"),
        ("comment", inspector, "由 designer@arch.example 在 BCF 2.1 (clash.bcf) 中撰写"),
    ]
    page = as_persona("owner").client
    page.force_login(finding.created_by)  # the finding's page, as the tablet shows it
    html = page.get(f"/projects/{code}/findings/{finding.pk}/").content.decode()
    assert "赵监理 (由 coordinator@mep.example 在 BCF 2.1 (clash.bcf) 中撰写)" in html
    assert AuditEvent.objects.filter(target_id=str(finding.pk), action__startswith="finding.").get().actor == inspector
    (exported,) = read_bcf(write_bcf([topic_of(finding)])).topics  # going out again, the authors are the file's
    assert (exported["creation_author"], exported["comments"][0]["author"]) == (
        "coordinator@mep.example",
        "designer@arch.example",
    )


def test_a_finding_a_bcf_import_creates_gets_its_opened_event_with_what_it_holds(demo, as_persona):
    code, version = demo
    element = version.elements.first()
    item = topic([element.global_id])
    upload(as_persona("inspector"), code, write_bcf([item]))
    finding = Finding.objects.get(client_uuid=item["guid"])
    event = AuditEvent.objects.get(action="finding.opened", target_id=str(finding.pk))
    assert event.changes == {
        "title": [None, "Crack in the wall"],
        "severity": [None, "major"],
        "category": [None, "structure"],
        "status": [None, "open"],
        "global_ids": [None, [element.global_id]],
        "responsible": [None, finding.responsible_appointment.leader.name],
        "source": [None, "BCF 2.1 (issues.bcf)"],
        "written_by": [None, "designer@arch.example"],
        "comments": [None, ["Please check the lintel too"]],
        "photos": [None, [finding.photos.get().sha256]],
        "viewpoints": [None, [item["viewpoints"][0]["guid"]]],
    }


def test_each_finding_a_bcf_import_changes_gets_one_event_with_old_and_new_values(demo, as_persona):
    code, version = demo
    first, second, untouched = (topic([version.elements.first().global_id]) for _ in range(3))
    inspector = as_persona("inspector")
    upload(inspector, code, write_bcf([first, second, untouched]))
    ids = {t["guid"]: Finding.objects.get(client_uuid=t["guid"]).pk for t in (first, second, untouched)}
    before = AuditEvent.objects.count()
    edited = [
        {**first, "title": "Crack in the lintel", "priority": "Critical"},
        {**second, "labels": ["waterproofing"], "description": "Seen from the roof"},
        untouched,
    ]
    report = upload(inspector, code, write_bcf(edited)).json()
    assert sorted(report["updated"]) == sorted([first["guid"], second["guid"]])
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert sorted((e.action, e.target_id) for e in events[:-1]) == sorted(
        ("finding.updated", str(ids[t["guid"]])) for t in (first, second)
    )  # one event for each finding that changed, none for the one that did not
    assert (events[-1].action, events[-1].target_id) == ("bcf.imported", "")
    changes = {e.target_id: e.changes for e in events if e.action == "finding.updated"}
    assert changes[str(ids[first["guid"]])] == {
        "title": ["Crack in the wall", "Crack in the lintel"],
        "severity": ["major", "critical"],
        "source": [None, "BCF 2.1 (issues.bcf)"],
    }
    assert changes[str(ids[second["guid"]])] == {
        "category": ["structure", "waterproofing"],
        "description": ["Seen from the stair", "Seen from the roof"],
        "source": [None, "BCF 2.1 (issues.bcf)"],
    }


def _zip(files: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


GUID = "3f2c1f6e-3b0a-4f5e-9d7c-2f1e0a9b8c7d"


def _damaged_zip() -> bytes:
    """A ZIP whose headers are sound but whose deflated markup is garbled in the middle."""
    markup = f'<Markup><Topic Guid="{GUID}"><Title>{"x" * 4000}</Title></Topic></Markup>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{GUID}/markup.bcf", markup)
    data = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a zip", "not a BCF file"),
        (
            _zip({"bcf.version": '<Version VersionId="2.1"/>', f"{GUID}/markup.bcf": "<Markup><Topic Guid="}),
            f"{GUID}/markup.bcf is not well-formed XML",
        ),
        (_zip({f"{GUID}/markup.bcf": "<Markup><Header/></Markup>"}), "has no Topic with a Guid"),
        (_zip({"readme.txt": "hello"}), "no BCF topics"),
        (_damaged_zip(), f"{GUID}/markup.bcf cannot be read from the ZIP"),
    ],
)
def test_a_broken_bcf_file_is_refused_and_nothing_is_imported(demo, as_persona, data, message):
    code, _version = demo
    before = (Finding.objects.count(), FindingStep.objects.count())
    response = upload(as_persona("inspector"), code, data)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert (Finding.objects.count(), FindingStep.objects.count()) == before


def test_an_unknown_bcf_version_is_refused(demo, as_persona):
    code, _version = demo
    response = as_persona("owner").get(f"/projects/{code}/findings/bcf?bcf_version=1.0")
    assert response.status_code == 422 and "use 2.1 or 3.0" in response.json()["detail"]


def test_the_command_line_exports_and_imports(demo, tmp_path, capsys):
    code, version = demo
    out = tmp_path / "out.bcfzip"
    call_command("bcf", "export", code, "-o", str(out), "--bcf-version", "3.0")
    assert read_bcf(out.read_bytes()).version == "3.0"
    item = topic([version.elements.first().global_id])
    incoming = tmp_path / "in.bcf"
    incoming.write_bytes(write_bcf([item]))
    call_command("bcf", "import", code, str(incoming), "--user", "inspector")
    assert "1 findings created" in capsys.readouterr().out
    assert Finding.objects.filter(client_uuid=item["guid"]).exists()


def test_a_bcf_2_0_file_in_the_style_other_tools_write_imports(demo, as_persona):
    """Namespaced root, a Header, an upper-case folder with a lower-case topic Guid, repeated Labels,
    comments replying to comments, viewpoint files named by Guid and a snapshot that is missing."""
    code, version = demo
    wall = version.elements.get(name="1F 南墙")
    guid = "7b1c3a52-91d4-4c8e-a2f0-3e5d6c7b8a90"
    viewpoint = "c0ffee00-1111-4222-8333-444455556666"
    markup = f"""<?xml version="1.0" encoding="utf-8"?>
<Markup xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <Header><File IfcProject="0M6o7Znnv7hxsbWgeu7oQq" isExternal="true"><Filename>arch.ifc</Filename></File></Header>
  <Topic Guid="{guid}" TopicType="Clash" TopicStatus="Active">
    <Title>Wall meets duct</Title><Priority>High</Priority><Labels>Architecture</Labels><Labels>MEP</Labels>
    <CreationDate>2025-03-01T08:00:00Z</CreationDate><CreationAuthor>coordinator@mep.example</CreationAuthor>
  </Topic>
  <Comment Guid="11111111-2222-4333-8444-555555555555"><Date>2025-03-01T09:00:00Z</Date>
    <Author>coordinator@mep.example</Author><Comment>Duct passes through the wall without a sleeve.</Comment>
    <Topic Guid="{guid}"/></Comment>
  <Comment Guid="66666666-7777-4888-9999-000000000000"><Date>2025-03-02T09:00:00Z</Date>
    <Author>architect@arch.example</Author><Comment>Agreed, sleeve to be added.</Comment>
    <Topic Guid="{guid}"/><ReplyToComment Guid="11111111-2222-4333-8444-555555555555"/></Comment>
  <Viewpoints Guid="{viewpoint}"><Viewpoint>Viewpoint_{viewpoint}.bcfv</Viewpoint>
    <Snapshot>Snapshot_{viewpoint}.png</Snapshot></Viewpoints>
</Markup>"""
    visinfo = f"""<?xml version="1.0" encoding="utf-8"?>
<VisualizationInfo xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Guid="{viewpoint}">
  <Components><Selection><Component IfcGuid="{wall.global_id}"><OriginatingSystem>X</OriginatingSystem></Component>
  </Selection><Visibility DefaultVisibility="true"/></Components>
</VisualizationInfo>"""
    folder = guid.upper()
    data = _zip(
        {
            "bcf.version": '<Version VersionId="2.0"><DetailedVersion>2.0</DetailedVersion></Version>',
            f"{folder}/markup.bcf": markup,
            f"{folder}/Viewpoint_{viewpoint}.bcfv": visinfo,
        }
    )
    response = upload(as_persona("inspector"), code, data)
    assert response.status_code == 200, response.content
    assert response.json()["bcf_version"] == "2.0"
    finding = Finding.objects.get(client_uuid=guid)
    assert (finding.title, finding.status, finding.severity, finding.global_ids) == (
        "Wall meets duct",
        "open",
        "major",
        [wall.global_id],
    )
    assert [s.note for s in finding.steps.filter(kind="comment")] == [
        "Duct passes through the wall without a sleeve.",
        "Agreed, sleeve to be added.",
    ]
