"""What real files do, and what a version then says: one element never fails a version (its
outline falls back and is named in a warning), merged models with repeated GlobalIds are read
once each, and a damaged file says it is damaged."""

import numpy as np
import pytest
import shapely

from bim.ifc import footprints
from bim.ifc.build import ModelBuilder, api
from bim.ifc.footprints import compute_footprints

from .conftest import ifc_bytes

OUTER = [(0.0, 0.0), (10.0, 0.0), (10.0, 6.0), (0.0, 6.0)]
SQUARE = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0)]
PENTAGON = [(5.0, 1.0), (7.0, 1.0), (7.5, 2.5), (6.0, 3.5), (4.5, 2.5)]


def slab_with_two_holes(b: ModelBuilder, storey, global_id: str = "1SLABWITHTWOHOLES00000"):
    """A slab with a square hole and a pentagonal one. Its solid is an IfcExtrudedAreaSolidTapered
    whose ends are the same profile: bodies.py leaves it to the kernel, whose mesh is traced."""
    m = b.model

    def polyline(points):
        return m.create_entity(
            "IfcPolyline",
            Points=[m.create_entity("IfcCartesianPoint", Coordinates=p) for p in [*points, points[0]]],
        )

    profile = m.create_entity(
        "IfcArbitraryProfileDefWithVoids",
        ProfileType="AREA",
        OuterCurve=polyline(OUTER),
        InnerCurves=[polyline(SQUARE), polyline(PENTAGON)],
    )
    solid = m.create_entity(
        "IfcExtrudedAreaSolidTapered",
        SweptArea=profile,
        EndSweptArea=profile,
        Position=m.create_entity(
            "IfcAxis2Placement3D", Location=m.create_entity("IfcCartesianPoint", Coordinates=(0.0, 0.0, 0.0))
        ),
        ExtrudedDirection=m.create_entity("IfcDirection", DirectionRatios=(0.0, 0.0, 1.0)),
        Depth=0.2,
    )
    slab = api("root.create_entity", m, ifc_class="IfcSlab", name="slab with two holes")
    slab.GlobalId = global_id
    representation = m.create_entity(
        "IfcShapeRepresentation",
        ContextOfItems=b.body,
        RepresentationIdentifier="Body",
        RepresentationType="SweptSolid",
        Items=[solid],
    )
    api("geometry.assign_representation", m, product=slab, representation=representation)
    api("geometry.edit_object_placement", m, product=slab, matrix=np.eye(4))
    api("spatial.assign_container", m, relating_structure=storey, products=[slab])
    return slab


def small_model(global_id_prefix: str = "") -> ModelBuilder:
    b = ModelBuilder("IFC4", "warnings")
    storey = b.storey("1F", 0.0)
    b.wall(storey, "south wall", (0.0, 0.0), 10.0)
    b.wall(storey, "north wall", (0.0, 6.0), 10.0)
    return b


def test_a_slab_with_holes_of_different_vertex_counts_keeps_both_holes():
    b = small_model()
    slab = slab_with_two_holes(b, b.storeys[0])
    warnings: list = []
    (footprint,) = compute_footprints(b.model, [slab], warnings=warnings)
    outline = shapely.from_wkt(footprint.wkt)
    assert outline.symmetric_difference(shapely.Polygon(OUTER, [SQUARE, PENTAGON])).area < 1e-6
    assert not footprint.is_approximate and warnings == []


def test_a_version_with_a_slab_of_two_different_holes_is_ready(upload):
    b = small_model()
    slab_with_two_holes(b, b.storeys[0])
    version = upload(ifc_bytes(b.model))
    assert version.status == "ready", version.failure_reason
    slab = version.elements.get(global_id="1SLABWITHTWOHOLES00000")
    assert len(shapely.from_wkt(slab.footprint).interiors) == 2
    assert version.warning_count == 0 and version.counts["elements_with_footprint"] == 3


class Boom(Exception):
    """A fault injected into outlining one product, as an unforeseen shape would raise."""


def test_a_product_whose_outline_raises_falls_back_and_is_named_in_a_warning(upload, monkeypatch):
    b = small_model()
    slab_with_two_holes(b, b.storeys[0])  # outlined from the kernel's mesh
    wall = b.model.by_type("IfcWall")[0]  # read from the model
    reader_pieces, mesh_outline = footprints.BodyReader.pieces, footprints.outline

    def pieces(self, product):
        if product.GlobalId == wall.GlobalId:
            raise Boom("the reader tripped on this wall")
        return reader_pieces(self, product)

    def outline(vertices, faces, seconds):
        if len(faces) and vertices[:, 0].max() > 9.99 and vertices[:, 1].max() > 5.99:  # the slab
            raise Boom("the tracer tripped on this slab")
        return mesh_outline(vertices, faces, seconds)

    monkeypatch.setattr(footprints.BodyReader, "pieces", pieces)
    monkeypatch.setattr(footprints, "outline", outline)
    version = upload(ifc_bytes(b.model))
    assert version.status == "ready", version.failure_reason
    by_id = {w["global_id"]: w for w in version.warnings}
    # the wall went on to the kernel and got its true outline; the slab got its convex hull
    assert by_id[wall.GlobalId]["code"] == "footprint_fallback"
    assert by_id[wall.GlobalId]["ifc_class"] == "IfcWall"
    assert "the reader tripped on this wall" in by_id[wall.GlobalId]["message"]
    assert "kernel" in by_id[wall.GlobalId]["message"]
    slab_warning = by_id["1SLABWITHTWOHOLES00000"]
    assert slab_warning["ifc_class"] == "IfcSlab" and "convex hull" in slab_warning["message"]
    assert version.warning_count == 2
    walled = version.elements.get(global_id=wall.GlobalId)
    assert shapely.from_wkt(walled.footprint).area == pytest.approx(10.0 * 0.24, rel=1e-3)
    assert not walled.is_footprint_approximate
    slab = version.elements.get(global_id="1SLABWITHTWOHOLES00000")
    assert slab.is_footprint_approximate and shapely.from_wkt(slab.footprint).area == pytest.approx(60.0)
    assert version.counts["elements_with_footprint"] == 3


@pytest.mark.chinese
def test_a_version_shows_its_warnings_in_the_api_and_on_its_page(upload, monkeypatch, as_persona, world):
    from django.test import Client
    from django.urls import reverse

    b = small_model()
    wall = b.model.by_type("IfcWall")[0]

    def pieces(self, product):
        raise Boom(f"tripped on {product.GlobalId}")

    monkeypatch.setattr(footprints.BodyReader, "pieces", pieces)
    version = upload(ifc_bytes(b.model))
    code = world["project"].code
    body = as_persona("inspector").get(f"/projects/{code}/versions/{version.pk}").json()
    assert body["warning_count"] == 2
    assert {w["global_id"] for w in body["warnings"]} == {w.GlobalId for w in b.model.by_type("IfcWall")}
    first = body["warnings"][0]
    assert first["code"] == "footprint_fallback" and first["ifc_class"] == "IfcWall"
    assert "IfcWall" in first["message"] and "平面轮廓" in first["message"]  # in Chinese, the default language
    client = Client()
    client.force_login(world["users"]["inspector"])
    page = client.get(reverse("bim-version", args=[code, version.pk])).content.decode()
    assert wall.GlobalId in page and "tripped on" in page


def test_a_version_keeps_its_first_warnings_and_counts_them_all(upload, monkeypatch):
    from bim.models import WARNINGS_KEPT

    b = small_model()
    storey = b.storeys[0]
    for i in range(WARNINGS_KEPT + 5):
        b.wall(storey, f"wall {i}", (0.0, 0.5 * i), 2.0)

    def pieces(self, product):
        raise Boom("every one trips")

    monkeypatch.setattr(footprints.BodyReader, "pieces", pieces)
    version = upload(ifc_bytes(b.model))
    assert version.status == "ready"
    assert version.warning_count == WARNINGS_KEPT + 7 and len(version.warnings) == WARNINGS_KEPT


def coordination_part(name: str, storey_name: str, elevation: float, own_wall: str):
    """One discipline's model, as a coordination model merges it: the shared storey and one
    shared wall carry the same GlobalIds in each."""
    b = ModelBuilder("IFC4", name)
    storey = b.storey(storey_name, elevation)
    storey.GlobalId = "3STOREY1F000000000000A"
    b.wall(storey, "shared wall", (0.0, 0.0), 5.0, global_id="2SHAREDWALL00000000000")
    b.wall(storey, own_wall, (0.0, 3.0), 5.0)
    return b.model


def test_merged_models_repeating_storeys_and_elements_are_read_once_each_with_warnings(upload):
    import ifcpatch

    first = coordination_part("Architecture", "1F", 0.0, "architect's wall")
    second = coordination_part("Structure", "Level 1", 0.5, "engineer's wall")
    merged = ifcpatch.execute({"input": "a.ifc", "file": first, "recipe": "MergeProjects", "arguments": [[second]]})
    assert len(merged.by_type("IfcBuildingStorey")) == 2 and len(merged.by_type("IfcWall")) == 4
    version = upload(ifc_bytes(merged))
    assert version.status == "ready", version.failure_reason
    assert version.counts["storeys"] == 1 and version.counts["elements"] == 3
    (storey,) = version.storeys.all()
    assert (storey.name, storey.elevation) == ("1F", 0.0)  # the first one's name and elevation
    assert set(version.elements.values_list("name", flat=True)) == {
        "shared wall",
        "architect's wall",
        "engineer's wall",
    }
    assert set(version.elements.values_list("storey", flat=True)) == {storey.pk}
    codes = sorted((w["code"], w["global_id"]) for w in version.warnings)
    assert codes == [("repeated_element", "2SHAREDWALL00000000000"), ("repeated_storey", "3STOREY1F000000000000A")]
    assert version.counts["elements_with_footprint"] == 3


def products_first(model) -> bytes:
    """The model written as many authoring tools write theirs: products, relationships, units and
    contexts first, then the geometry they point to."""
    front = {
        e.id()
        for kind in ("IfcProject", "IfcProduct", "IfcRelationship", "IfcUnitAssignment", "IfcNamedUnit")
        for e in model.by_type(kind)
    } | {e.id() for e in model.by_type("IfcRepresentationContext")}
    lines = model.to_string().splitlines()
    start, end = lines.index("DATA;") + 1, lines.index("ENDSEC;", lines.index("DATA;"))
    ids = [int(line[1 : line.index("=")]) for line in lines[start:end]]
    data = [line for i, line in zip(ids, lines[start:end], strict=True) if i in front]
    data += [line for i, line in zip(ids, lines[start:end], strict=True) if i not in front]
    return "\n".join(lines[:start] + data + lines[end:]).encode()


def cut_short(data: bytes, share: float = 0.6) -> bytes:
    """The file as an interrupted copy that someone "repaired": cut at a line, then ended."""
    lines = data.decode().splitlines()
    return ("\n".join(lines[: int(len(lines) * share)]) + "\nENDSEC;\nEND-ISO-10303-21;\n").encode()


def test_a_file_cut_short_and_ended_again_says_it_is_damaged(upload):
    from bim.ifc.build import demo_model

    version = upload(cut_short(products_first(demo_model("IFC4"))))
    assert version.status == "ready", version.failure_reason
    codes = [w["code"] for w in version.warnings]
    assert codes[0] == "unparsed_entities"
    unparsed = version.warnings[0]["params"]["count"]
    assert unparsed > 0 and 1 <= codes.count("unparsed_entity") <= min(unparsed, 5)
    assert "not found" in next(w for w in version.warnings if w["code"] == "unparsed_entity")["message"]
    assert "missing_geometry" in codes
    missing = next(w for w in version.warnings if w["code"] == "missing_geometry")["params"]
    assert missing["missing"] * 100 > missing["total"] * 20


def test_a_sound_file_has_no_warnings(upload, demo_ifc4):
    version = upload(demo_ifc4)
    assert version.status == "ready" and version.warning_count == 0 and version.warnings == []


def test_a_few_elements_without_geometry_stay_under_the_configured_share(upload, settings):
    b = small_model()
    storey = b.storeys[0]
    for i in range(9):
        b.wall(storey, f"wall {i}", (0.0, 0.5 * i), 2.0)
    # one wall's body is an empty representation: a body that gives no geometry
    wall = b.model.by_type("IfcWall")[0]
    (representation,) = wall.Representation.Representations
    representation.Items = [
        b.model.create_entity(
            "IfcExtrudedAreaSolid",
            SweptArea=b.model.create_entity("IfcRectangleProfileDef", ProfileType="AREA", XDim=0.0, YDim=0.0),
            Position=b.model.create_entity(
                "IfcAxis2Placement3D",
                Location=b.model.create_entity("IfcCartesianPoint", Coordinates=(0.0, 0.0, 0.0)),
            ),
            ExtrudedDirection=b.model.create_entity("IfcDirection", DirectionRatios=(0.0, 0.0, 1.0)),
            Depth=1.0,
        )
    ]
    data = ifc_bytes(b.model)
    version = upload(data, model_name="Under")
    chunks = version.chunks.all()
    assert sum(c.bodies for c in chunks) == 11 and sum(c.bodies_without_geometry for c in chunks) == 1
    assert "missing_geometry" not in [w["code"] for w in version.warnings]
    settings.BIM_MISSING_GEOMETRY_PERCENT = 5
    version = upload(data.replace(b"warnings", b"warnings again"), model_name="Strict")
    assert "missing_geometry" in [w["code"] for w in version.warnings]


def zipped(name: str, data: bytes) -> bytes:
    import io
    import zipfile

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return packed.getvalue()


def my_local_copies() -> set[str]:
    """This process's local copies and unpacked archives in the temp folder."""
    import os
    import tempfile

    mine = (f"plumbline-ifczip-p{os.getpid()}-", "plumbline-v")
    return {n for n in os.listdir(tempfile.gettempdir()) if n.startswith(mine) and f"-p{os.getpid()}-" in n}


def test_an_ifczip_unpacking_past_the_limit_fails_without_unpacking_it(upload, demo_ifc4, settings):
    before = my_local_copies()
    settings.MAX_UNPACKED_BYTES = len(demo_ifc4) - 1
    version = upload(zipped("building.ifc", demo_ifc4), name="building.ifczip", model_name="Limited")
    assert version.status == "failed" and "over the most a model may unpack to" in version.failure_reason
    settings.MAX_UNPACKED_BYTES = 10 * 1024**3
    # a ZIP bomb: 200 MB of one character deflate to 200 KB, a thousand times less
    bomb = zipped("bomb.ifc", demo_ifc4 + b" " * (200 * 1024 * 1024))
    version = upload(bomb, name="bomb.ifczip", model_name="Bomb")
    assert version.status == "failed" and "it was not unpacked" in version.failure_reason
    assert my_local_copies() <= before


def test_a_file_whose_header_names_another_schema_than_its_entities_fails_saying_so(upload, demo_ifc4):
    data = demo_ifc4.replace(b"FILE_SCHEMA(('IFC4'))", b"FILE_SCHEMA(('IFC2X3'))")
    version = upload(data, name="mislabelled.ifc")
    assert version.status == "failed"
    assert "header says it is IFC2X3, but it holds entities of IFC4" in version.failure_reason
    assert "correct FILE_SCHEMA" in version.failure_reason


def test_a_syntax_error_names_its_line(upload, demo_ifc4):
    lines = demo_ifc4.decode().splitlines()
    at = next(i for i in range(len(lines) // 2, len(lines)) if "=IFCDIRECTION((" in lines[i])
    # cut in the middle of a list of numbers, then "repaired" by ending it
    cut = [*lines[:at], lines[at][: lines[at].index("((") + 4], "ENDSEC;", "END-ISO-10303-21;"]
    version = upload("\n".join(cut).encode(), name="broken.ifc")
    assert version.status == "failed"
    assert f"line {at + 1} is not a complete entity" in version.failure_reason, version.failure_reason


def test_a_file_without_physical_elements_is_ready_with_a_warning_in_plain_words(upload):
    b = ModelBuilder("IFC4", "empty shell")
    b.storey("1F", 0.0)
    version = upload(ifc_bytes(b.model), name="tree-only.ifc")
    assert version.status == "ready" and version.counts["elements"] == 0
    (warning,) = version.warnings
    assert warning["code"] == "no_elements" and "no physical elements" in warning["message"]


def test_an_ingest_removes_the_copies_that_killed_ingests_left_behind(upload, demo_ifc4):
    import os
    import subprocess
    import tempfile

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that has ended: its id is free
    orphan = os.path.join(tempfile.gettempdir(), f"plumbline-v999-p{gone.pid}-abc.ifc")
    orphan_zip = os.path.join(tempfile.gettempdir(), f"plumbline-ifczip-p{gone.pid}-abc.ifc")
    live = os.path.join(tempfile.gettempdir(), f"plumbline-v998-p{os.getpid()}-abc.ifc")
    for path in (orphan, orphan_zip, live):
        with open(path, "w") as f:
            f.write("ISO-10303-21;")
    try:
        version = upload(demo_ifc4)
        assert version.status == "ready"
        assert not os.path.exists(orphan) and not os.path.exists(orphan_zip)
        assert os.path.exists(live)  # its process (this one) still runs
    finally:
        for path in (orphan, orphan_zip, live):
            if os.path.exists(path):
                os.unlink(path)
