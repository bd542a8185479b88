"""Ingesting IFC models built in code: every physical element with its storey, materials and
property sets, every space and storey, and true plan footprints; bad files end as failed with a
reason a person understands, the file kept and the worker going on."""

import io
import zipfile

import pytest
import shapely

from bim.models import ModelVersion
from plumbline.core.audit.models import AuditEvent
from storage import get_storage


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_a_model_is_read_into_storeys_spaces_and_elements(upload, demo_ifc4, demo_ifc2x3, schema):
    version = upload(demo_ifc4 if schema == "IFC4" else demo_ifc2x3)
    assert version.status == "ready", version.failure_reason
    assert version.schema == schema
    assert version.counts == {
        "elements": 30,
        "spaces": 4,
        "storeys": 2,
        "elements_with_footprint": 30,
        "elements_without_geometry": 0,
        "spaces_with_footprint": 4,
    }
    assert [(s.name, s.elevation) for s in version.storeys.order_by("elevation")] == [("1F", 0.0), ("2F", 3.0)]
    wall = version.elements.get(name="1F 南墙")
    assert (wall.ifc_class, wall.storey.name) == ("IfcWall", "1F")
    assert wall.materials == [{"name": "混凝土 C30", "thickness": 0.2}, {"name": "岩棉", "thickness": 0.04}]
    assert wall.psets["Pset_WallCommon"] == {"FireRating": "REI90", "IsExternal": True, "LoadBearing": True}
    space = version.spaces.get(name="1F01")
    assert (space.long_name, space.storey.name, space.zones) == ("住宅 1F01 客厅", "1F", ["住宅单元 1F"])
    assert set(version.elements.values_list("ifc_class", flat=True)) == {
        "IfcWall",
        "IfcSlab",
        "IfcColumn",
        "IfcDoor",
        "IfcWindow",
    }


def test_an_l_shaped_slab_keeps_its_l_shape(upload, demo_ifc4):
    version = upload(demo_ifc4)
    slab = version.elements.get(name="1F 楼板")
    outline = shapely.from_wkt(slab.footprint)
    expected = shapely.Polygon([(0, 0), (12, 0), (12, 4), (8, 4), (8, 8), (0, 8)])
    assert outline.symmetric_difference(expected).area < 1e-6  # 80 m², not the 96 m² of its convex hull
    assert (slab.z_min, slab.z_max) == pytest.approx((-0.2, 0.0))
    column = version.elements.get(name="2F 柱 C2")
    assert shapely.from_wkt(column.footprint).bounds == pytest.approx((11.6, 0.0, 12.0, 0.4))
    assert (column.z_min, column.z_max) == pytest.approx((3.0, 6.0))


def test_the_same_bytes_uploaded_twice_return_the_existing_version(upload, demo_ifc4):
    first = upload(demo_ifc4)
    again = upload(demo_ifc4, name="renamed.ifc")
    assert again.pk == first.pk
    assert ModelVersion.objects.filter(sha256=first.sha256).count() == 1


def test_a_failed_version_is_retried_by_uploading_the_same_bytes_again(
    world, demo_ifc4, settings, django_capture_on_commit_callbacks
):
    from bim import actions

    project, contractor = world["project"], world["users"]["contractor"]

    def upload_as_api_does_without_a_size():
        with django_capture_on_commit_callbacks(execute=True):
            version, created = actions.upload_model_version(
                project, stream=io.BytesIO(demo_ifc4), original_name="house.ifc", model_name="House", actor=contractor
            )
        version.refresh_from_db()
        return version, created

    settings.MAX_UPLOAD_BYTES = 1000  # the first upload fails for a reason that is then put right
    failed, created = upload_as_api_does_without_a_size()
    assert created and failed.status == "failed"
    settings.MAX_UPLOAD_BYTES = 10 * len(demo_ifc4)
    retried, created = upload_as_api_does_without_a_size()
    assert created and retried.pk != failed.pk
    assert (retried.number, retried.status, retried.counts["elements"]) == (2, "ready", 30)
    failed.refresh_from_db()
    assert (failed.number, failed.status) == (1, "failed")  # kept as it was
    again, created = upload_as_api_does_without_a_size()  # a ready version is not made again
    assert (again.pk, created) == (retried.pk, False)
    uploaded = AuditEvent.objects.filter(action="model_version.uploaded", target_id=str(retried.pk)).get()
    assert uploaded.changes["retry_of"] == [None, 1]


def test_the_same_bytes_uploaded_to_another_model_make_a_version_of_that_model(world, as_persona, demo_ifc4):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = as_persona("contractor")

    def post(model_name):
        return api.client.post(
            f"/api/v1/projects/{world['project'].code}/models",
            headers=api.headers,
            data={"file": SimpleUploadedFile("house.ifc", demo_ifc4), "model_name": model_name},
        )

    first, other, again = post("Architecture"), post("Coordination"), post("Architecture")
    assert (first.status_code, other.status_code, again.status_code) == (201, 201, 200)
    assert (other.json()["model"], other.json()["number"], other.json()["is_new"]) == ("Coordination", 1, True)
    assert other.json()["id"] != first.json()["id"] == again.json()["id"]
    assert ModelVersion.objects.filter(sha256=first.json()["sha256"]).count() == 2


def test_the_ingest_command_uploads_the_same_file_to_another_model_as_a_new_version(world, tmp_path, capsys):
    import json

    from django.core.management import call_command

    from bim.ifc.build import grid_model

    path = tmp_path / "grid.ifc"
    grid_model(6).write(str(path))
    code = world["project"].code
    results = []
    for model in ("Walls", "Walls copy", "Walls"):  # not waiting for the ingest: only the upload is asked about
        call_command("ingest", str(path), "--project", code, "--model", model, "--json")
        results.append(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))
    assert [(r["model"], r["number"], r["is_new"]) for r in results] == [
        ("Walls", 1, True),
        ("Walls copy", 1, True),
        ("Walls", 1, False),
    ]


def test_a_new_upload_of_a_model_is_its_next_version(upload, demo_ifc4, demo_ifc2x3):
    assert upload(demo_ifc4).number == 1
    assert upload(demo_ifc2x3).number == 2


def test_an_ifczip_is_read_like_the_ifc_inside_it(upload, demo_ifc4):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("building.ifc", demo_ifc4)
    version = upload(packed.getvalue(), name="building.ifczip")
    assert version.status == "ready" and version.counts["elements"] == 30


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def zip_without_ifc() -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("readme.txt", "no model here")
    return packed.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "reason"),
    [
        (lambda m: b"", "empty.ifc", "The file is empty."),
        (lambda m: b"%PDF-1.4 a drawing, not a model", "drawing.ifc", "This is not an IFC file"),
        (truncated, "cut.ifc", "The file is truncated"),
        (
            lambda m: m.replace(b"FILE_SCHEMA(('IFC4'))", b"FILE_SCHEMA(('IFC2X_FINAL'))"),
            "old.ifc",
            "schema IFC2X_FINAL is not supported",
        ),
        (
            lambda m: m.replace(b"FILE_SCHEMA(('IFC4'))", b"FILE_SCHEMA(('IFC4X3_RC2'))"),
            "rc.ifc",
            "schema IFC4X3_RC2 is not supported",
        ),
        (lambda m: zip_without_ifc(), "empty.ifczip", "The ZIP file has no .ifc file inside"),
    ],
    ids=["empty", "not-ifc", "truncated", "ifc2x-final", "ifc4x3-rc2", "zip-without-ifc"],
)
def test_a_bad_file_ends_failed_with_a_reason_and_the_file_is_kept(upload, demo_ifc4, make, name, reason):
    good = upload(demo_ifc4, model_name="Good")
    data = make(demo_ifc4)
    version = upload(data, name=name, model_name="Bad")
    assert version.status == "failed"
    assert reason in version.failure_reason
    assert get_storage().exists(version.file_key) and version.size == len(data)
    assert version.elements.count() == 0
    good.refresh_from_db()
    assert good.status == "ready" and good.elements.count() == 30


def test_a_file_over_the_size_limit_is_refused_up_front_or_fails_when_its_size_was_unknown(
    world, demo_ifc4, settings, django_capture_on_commit_callbacks
):
    from bim import actions
    from plumbline.core.errors import PayloadTooLarge

    settings.MAX_UPLOAD_BYTES = 1000
    project, contractor = world["project"], world["users"]["contractor"]
    with pytest.raises(PayloadTooLarge, match="over the limit of 1000 bytes"):
        actions.upload_model_version(
            project, stream=io.BytesIO(demo_ifc4), original_name="big.ifc", size=len(demo_ifc4), actor=contractor
        )
    assert not ModelVersion.objects.filter(original_name="big.ifc").exists()
    with django_capture_on_commit_callbacks(execute=True):  # a stream without a declared size
        version, _ = actions.upload_model_version(
            project, stream=io.BytesIO(demo_ifc4), original_name="big.ifc", actor=contractor
        )
    assert version.status == "failed" and "over the limit of 1000 bytes" in version.failure_reason
    assert get_storage().exists(version.file_key)


def test_only_ifc_files_are_accepted_as_models(world, as_persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = as_persona("contractor")
    response = api.client.post(
        f"/api/v1/projects/{world['project'].code}/models",
        headers=api.headers,
        data={"file": SimpleUploadedFile("plan.dwg", b"AC1032")},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Upload an IFC model: a .ifc or .ifczip file."


def test_rerunning_the_ingest_after_a_crash_ends_with_exactly_the_right_rows(
    upload, demo_ifc4, django_capture_on_commit_callbacks
):
    from bim import ingest
    from bim.models import Element

    version = upload(demo_ifc4)
    # as if a worker had died half-way through reading: status back to parsing, half the rows left
    ModelVersion.objects.filter(pk=version.pk).update(status="parsing")
    Element.objects.filter(pk__in=list(version.elements.values_list("pk", flat=True)[:10])).delete()
    version.chunks.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        ingest.run_metadata(version.pk)
    version.refresh_from_db()
    assert version.status == "ready"
    assert version.elements.count() == 30 and version.spaces.count() == 4 and version.storeys.count() == 2
    ingest.run_metadata(version.pk)  # a redelivered message for a finished version changes nothing
    assert version.elements.count() == 30


@pytest.mark.parametrize("chunk_size, max_chunks", [(7, 16), (7, 3), (1000, 4)])
def test_footprint_chunks_share_out_every_element_and_space_exactly_once(
    upload, demo_ifc4, settings, chunk_size, max_chunks
):
    from bim import ingest

    settings.BIM_GEOMETRY_CHUNK_SIZE, settings.BIM_GEOMETRY_MAX_CHUNKS = chunk_size, max_chunks
    version = upload(demo_ifc4)
    assert version.status == "ready", version.failure_reason
    assert version.geometry_chunks == min(max_chunks, -(-34 // chunk_size))
    shared_out = [g for i in range(version.geometry_chunks) for ids in ingest.chunk_global_ids(version, i) for g in ids]
    everything = list(version.elements.values_list("global_id", flat=True))
    everything += list(version.spaces.values_list("global_id", flat=True))
    assert sorted(shared_out) == sorted(everything)
    assert version.counts["elements_with_footprint"] == 30 and version.counts["spaces_with_footprint"] == 4


def test_an_ingest_whose_task_was_lost_is_resumed_and_a_recent_one_is_left_alone(
    world, demo_ifc4, capsys, django_capture_on_commit_callbacks
):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from bim import actions as bim_actions
    from bim import ingest
    from bim.ifc.build import grid_model
    from plumbline.core.inline import tasks_in_this_process

    def upload_without_running(data: bytes, name: str) -> ModelVersion:
        # the upload commits, but its task message is lost (no on-commit callbacks run here)
        version, _ = bim_actions.upload_model_version(
            world["project"],
            stream=io.BytesIO(data),
            original_name=f"{name}.ifc",
            model_name=name,
            size=len(data),
            actor=world["users"]["contractor"],
        )
        return version

    hours_ago = timezone.now() - datetime.timedelta(hours=2)
    lost = upload_without_running(demo_ifc4, "Lost")
    ModelVersion.objects.filter(pk=lost.pk).update(uploaded_at=hours_ago)
    half = upload_without_running(grid_model(20).to_string().encode(), "Half")
    ingest.run_metadata(half.pk)  # read, but its footprint tasks were lost
    ModelVersion.objects.filter(pk=half.pk).update(progress_at=hours_ago)
    recent = upload_without_running(grid_model(5).to_string().encode(), "Recent")

    with tasks_in_this_process(), django_capture_on_commit_callbacks(execute=True):
        call_command("resume_ingests")
    assert "resumed 2 ingest(s)" in capsys.readouterr().out
    statuses = dict(ModelVersion.objects.filter(pk__in=[lost.pk, half.pk, recent.pk]).values_list("pk", "status"))
    assert statuses == {lost.pk: "ready", half.pk: "ready", recent.pk: "uploaded"}
    assert ModelVersion.objects.get(pk=half.pk).counts["elements_with_footprint"] == 20
    with tasks_in_this_process():
        call_command("resume_ingests")  # nothing left to resume
    assert "resumed 0 ingest(s)" in capsys.readouterr().out


def test_a_slow_read_resumed_as_lost_stops_and_the_version_keeps_exactly_its_rows(
    world, demo_ifc4, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    """A worker still reading when the version was resumed as lost (quiet past the limit) must not
    add its rows to those of the run that resumed it."""
    from bim import actions as bim_actions
    from bim import ingest
    from plumbline.core.inline import tasks_in_this_process

    version, _ = bim_actions.upload_model_version(
        world["project"],
        stream=io.BytesIO(demo_ifc4),
        original_name="slow.ifc",
        model_name="Slow",
        size=len(demo_ifc4),
        actor=world["users"]["contractor"],
    )
    read_elements = ingest.read_elements

    def slow_then_resumed(model, elements, **kwargs):
        monkeypatch.setattr(ingest, "read_elements", read_elements)  # the resumed run reads at full speed
        rows = read_elements(model, elements, **kwargs)
        yield next(rows)
        # meanwhile the version was resumed as lost, and the new run read it to the end
        with tasks_in_this_process(), django_capture_on_commit_callbacks(execute=True):
            ingest.run_metadata(version.pk)
        yield from rows

    monkeypatch.setattr(ingest, "read_elements", slow_then_resumed)
    with tasks_in_this_process(), django_capture_on_commit_callbacks(execute=True):
        ingest.run_metadata(version.pk)  # the slow run goes on after the resumed one finished
    version.refresh_from_db()
    assert version.status == "ready", version.failure_reason
    assert (version.elements.count(), version.spaces.count(), version.storeys.count()) == (30, 4, 2)
    assert version.counts["elements"] == 30 and version.counts["elements_with_footprint"] == 30
    assert "a newer run of its metadata read owns it" in caplog.text
    read = AuditEvent.objects.filter(action="model_version.elements_read", target_id=str(version.pk))
    assert read.count() == 1


def test_assemblies_take_the_outline_and_height_of_their_parts(upload):
    from bim.ifc.build import grid_model

    version = upload(grid_model(8, assembly_parts=4).to_string().encode(), model_name="Steel")
    assert version.status == "ready", version.failure_reason
    assert version.counts["elements"] == 10 and version.counts["elements_with_footprint"] == 10
    for assembly in version.elements.filter(ifc_class="IfcElementAssembly"):
        parts = list(version.elements.filter(assembly_global_id=assembly.global_id))
        assert len(parts) == 4
        expected = shapely.union_all([shapely.from_wkt(p.footprint) for p in parts])
        assert shapely.from_wkt(assembly.footprint).symmetric_difference(expected).area < 1e-6
        assert (assembly.z_min, assembly.z_max) == (min(p.z_min for p in parts), max(p.z_max for p in parts))
        assert (assembly.min_x, assembly.max_y) == pytest.approx((expected.bounds[0], expected.bounds[3]))


def test_finishing_assemblies_takes_the_same_few_queries_however_many_there_are(upload):
    """A query per assembly made a model of a thousand of them 40% slower."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bim import ingest
    from bim.ifc.build import grid_model

    queries = []
    for walls in (8, 40):
        version = upload(grid_model(walls, assembly_parts=4).to_string().encode(), model_name=f"Steel {walls}")
        version.elements.filter(ifc_class="IfcElementAssembly").update(footprint="", z_min=None, z_max=None)
        with CaptureQueriesContext(connection) as captured:
            assert ingest.finish_assemblies(version) == walls // 4
        queries.append(len(captured))
        assert version.elements.filter(footprint="").count() == 0
    assert queries[0] == queries[1] <= 6


def test_the_phases_of_an_ingest_account_for_its_wall_time_from_upload_to_ready(upload):
    import time

    from bim.ifc.build import grid_model
    from bim.models import INGEST_PHASES

    data = grid_model(200, assembly_parts=4).to_string().encode()
    started = time.perf_counter()
    version = upload(data, model_name="Timed")
    wall = time.perf_counter() - started
    assert version.status == "ready", version.failure_reason
    assert set(INGEST_PHASES) <= set(version.seconds)
    phases = sum(version.seconds[p] for p in INGEST_PHASES)
    assert phases == pytest.approx(wall, rel=0.1)
    assert version.seconds["total"] == pytest.approx(phases, abs=0.002)
    assert version.seconds["assemblies"] > 0
    assert version.seconds["geometry_work"] <= version.seconds["geometry"] + 0.01
