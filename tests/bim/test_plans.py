"""A storey plan shows the rooms: ceilings are drawn as outlines (not grey fills over the rooms),
and each room's name is written inside it, not only in a tooltip."""

import re
import xml.etree.ElementTree as ET

import shapely

from bim import queries
from bim.ifc.build import ModelBuilder, api
from tests.bim.conftest import ifc_bytes

SVG = "{http://www.w3.org/2000/svg}"
ROOM = [(0.0, 0.0), (6.0, 0.0), (6.0, 4.0), (0.0, 4.0)]
L_SHAPED = [(6.0, 0.0), (12.0, 0.0), (12.0, 1.0), (7.0, 1.0), (7.0, 6.0), (6.0, 6.0)]


def office_model():
    b = ModelBuilder("IFC4", "office")
    storey = b.storey("3F", 0.0)
    b.slab(storey, "Floor", [(0.0, 0.0), (12.0, 0.0), (12.0, 6.0), (0.0, 6.0)])
    b.space(storey, "301", "会议室 <A&B>", ROOM, global_id="0MeetingRoom0000000001")
    b.space(storey, "302", None, L_SHAPED, global_id="0Corridor0000000000001")
    for name, outline in (("Ceiling 301", ROOM), ("Ceiling 302", L_SHAPED)):
        ceiling = b._entity("IfcCovering", name, predefined_type="CEILING")
        representation = api("geometry.add_slab_representation", b.model, context=b.body, depth=0.02, polyline=outline)
        api("geometry.assign_representation", b.model, product=ceiling, representation=representation)
        api("geometry.edit_object_placement", b.model, product=ceiling)
        b._contain(storey, ceiling)
    return b.model


def css_fill(style: str, classes: list[str]) -> str:
    """The fill a path with these classes gets from the plan's <style> (class selectors, the
    last rule naming a fill winning, as every selector there has the same weight)."""
    fill = "black"  # SVG's default
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", style):
        names = {s.strip().lstrip(".") for s in selectors.split(",")}
        declared = dict(part.split(":", 1) for part in body.split(";") if ":" in part)
        if names & set(classes) and "fill" in declared:
            fill = declared["fill"].strip()
    return fill


def storey_plan(upload):
    version = upload(ifc_bytes(office_model()), name="office.ifc", model_name="Office")
    assert version.status == "ready", version.error
    svg = queries.storey_plan_svg(version.storeys.get(name="3F"))
    return version, ET.fromstring(svg)  # well-formed: every name is escaped


def test_ceilings_are_drawn_as_outlines_so_the_rooms_under_them_show(upload):
    _, root = storey_plan(upload)
    style = root.find(f"{SVG}style").text
    ceilings = [p for p in root.iter(f"{SVG}path") if "IfcCovering" in p.get("class", "").split()]
    assert len(ceilings) == 2
    for ceiling in ceilings:
        assert css_fill(style, ceiling.get("class").split()) == "none"
    rooms = [p for p in root.iter(f"{SVG}path") if p.get("class") == "space"]
    assert len(rooms) == 2 and css_fill(style, ["space"]) not in ("none", "black")


def test_each_room_shows_its_name_inside_it_on_the_plan(upload):
    version, root = storey_plan(upload)
    flip = float(root.get("data-flip"))
    labels = {t.text: t for t in root.iter(f"{SVG}text") if "space-label" in t.get("class", "")}
    assert set(labels) == {"会议室 <A&B>", "302"}  # LongName, else Name
    for global_id, text in (("0MeetingRoom0000000001", "会议室 <A&B>"), ("0Corridor0000000000001", "302")):
        footprint = shapely.from_wkt(version.spaces.get(global_id=global_id).footprint)
        label = labels[text]
        at = shapely.Point(float(label.get("x")), flip - float(label.get("y")))
        assert footprint.contains(at), (text, at.wkt)
        minx, _, maxx, _ = footprint.bounds
        assert 0 < float(label.get("font-size")) * len(text) <= maxx - minx  # at most 1 em a character
    assert "pointer-events:none" in root.find(f"{SVG}style").text.split(".space-label{")[1].split("}")[0]
