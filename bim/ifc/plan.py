"""A storey plan as SVG, drawn from footprints: one path per element or space, its class in the
markup (`data-global-id`, `class="IfcWall"`) so the tablet page can style and click it, and each
room's name written inside it. Slabs and coverings (ceilings) span whole rooms, so they are drawn
as outlines: filled, they would hide the rooms under them."""

from html import escape

import shapely

STYLE = """
.space{fill:#eef4fb;stroke:#9db7d5;stroke-width:.02}
.element{fill:#c9ced6;stroke:#3d4753;stroke-width:.02}
.IfcWall,.IfcWallStandardCase{fill:#5d6b7a}
.IfcColumn{fill:#1d2733}
.IfcSlab{fill:none;stroke:#9aa3ad;stroke-dasharray:.1 .1}
.IfcCovering{fill:none;stroke:#b3a58c;stroke-dasharray:.05 .1}
.space-label{fill:#2f4a6b;text-anchor:middle;dominant-baseline:central;pointer-events:none;font-family:sans-serif}
.IfcDoor{fill:#e0a458}
.IfcWindow{fill:#7fb3e6}
.pin-stem,.pin-foot{pointer-events:none}
.pin-change{font:bold 16px sans-serif;fill:#1d2733;pointer-events:none}
"""


def _path(geometry, flip: float) -> str:
    parts = []
    polygons = getattr(geometry, "geoms", [geometry])
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = list(ring.coords)
            parts.append("M" + " L".join(f"{x:.3f},{flip - y:.3f}" for x, y in coords) + " Z")
    return " ".join(parts)


def _text_width_em(text: str) -> float:
    """About how wide `text` is in em: CJK characters are square, Latin ones about half as wide."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text) or 1.0


def _label(label: str, geometry, flip: float, largest: float) -> str:
    """The room's name at a point inside its footprint (a representative point, so an L-shaped
    room gets it inside too), no larger than `largest` and small enough to fit the room."""
    if not label or geometry.is_empty:
        return ""
    point = geometry.representative_point()
    minx, miny, maxx, maxy = geometry.bounds
    size = min(largest, 0.9 * (maxx - minx) / _text_width_em(label), 0.5 * (maxy - miny))
    return (
        f'<text class="space-label" x="{point.x:.3f}" y="{flip - point.y:.3f}" font-size="{size:.3f}">'
        f"{escape(label)}</text>"
    )


PLAN_PIXELS = 720  # about how wide a plan is drawn on a tablet, before the page measures it
PIN_LIFT = 30  # px from the pinned point up to the pin's head
PIN_HIT = 21  # px: the pin's tap target is over 40 px across
PIN_FAN = 26  # px between the heads of pins on one spot
PIN_COLOURS = {"open": "#d64545", "rectification_submitted": "#e0a020", "closed": "#2e8b57"}


def storey_svg(
    spaces: list[tuple[str, str, str]],
    elements: list[tuple[str, str, str, str]],
    *,
    pins: list[tuple] = (),
    highlight: int | None = None,
    pin_href: str = "../findings/{id}/",
    margin: float = 1.0,
    class_names: dict[str, str] | None = None,
) -> str:
    """spaces: (global_id, label, wkt); elements: (global_id, ifc_class, name, wkt);
    pins: (finding id, x, y, status, title[, change]) drawn as circles coloured by status, marked
    when their element has "moved" or "changed" since the finding was logged; the `highlight`
    finding's pin ringed; each pin links to `pin_href` with the finding's id. An element's title
    names its class as `class_names` says (墙 for IfcWall), else by the class itself."""
    shapes = [shapely.from_wkt(w) for *_, w in spaces + elements if w]
    if not shapes:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="1" y="5" font-size="1">no footprints</text></svg>'
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    flip = maxy + miny  # plan north up: SVG's y grows downwards
    width, height = maxx - minx + 2 * margin, maxy - miny + 2 * margin
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{minx - margin:.3f} {miny - margin:.3f} {width:.3f} {height:.3f}" '
        f'data-units="m" data-flip="{flip:.3f}">',
        f"<style>{STYLE}</style>",
    ]
    for global_id, label, wkt in spaces:
        if wkt:
            out.append(
                f'<path id="space-{escape(global_id)}" class="space" data-global-id="{escape(global_id)}" '
                f'd="{_path(shapely.from_wkt(wkt), flip)}"><title>{escape(label)}</title></path>'
            )
    for global_id, ifc_class, name, wkt in elements:
        if wkt:
            out.append(
                f'<path id="el-{escape(global_id)}" class="element {escape(ifc_class)}" '
                f'data-global-id="{escape(global_id)}" d="{_path(shapely.from_wkt(wkt), flip)}">'
                f"<title>{escape((class_names or {}).get(ifc_class, ifc_class))} {escape(name)}</title></path>"
            )
    # names over the elements, so walls and fittings do not hide them; taps pass through to the room
    largest = max(width, height) / 60
    for _global_id, label, wkt in spaces:
        if wkt:
            out.append(_label(label, shapely.from_wkt(wkt), flip, largest))
    # pins are drawn in screen pixels, scaled to metres (the page rescales them as it zooms): a
    # 40 px tap target held above its point on a stem, so the element under the point stays tappable
    scale = max(width, height) / PLAN_PIXELS
    heads: dict[tuple[float, float], int] = {}
    for finding_id, x, y, status, title, *rest in pins:
        change = rest[0] if rest else ""
        colour = PIN_COLOURS.get(status, "#555")
        # several findings on one spot fan out sideways, each on its own stem
        spot = heads[(round(x, 1), round(y, 1))] = heads.get((round(x, 1), round(y, 1)), -1) + 1
        dx = PIN_FAN * ((spot + 1) // 2) * (1 if spot % 2 else -1)
        classes = "pin" + (" highlighted" if finding_id == highlight else "") + (" changed" if change else "")
        mark = (
            f'<circle cx="{dx}" cy="{-PIN_LIFT}" r="15" fill="none" stroke="#1d2733" stroke-width="2.5" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{dx + 11}" y="{-PIN_LIFT - 9}" class="pin-change">!</text>'
            if change
            else ""
        )
        ring = (
            f'<circle cx="{dx}" cy="{-PIN_LIFT}" r="19" fill="none" stroke="#0b5cad" stroke-width="4"/>'
            if finding_id == highlight
            else ""
        )
        out.append(
            f'<g class="pin-anchor" transform="translate({x:.3f} {flip - y:.3f})">'
            f'<g class="pin-body" transform="scale({scale:.5f})">'
            f'<path class="pin-stem" d="M0,0 L{dx},{-PIN_LIFT + 10}" stroke="{colour}" stroke-width="3" fill="none"/>'
            f'<circle class="pin-foot" r="3" fill="{colour}"/>'
            f'<a href="{escape(pin_href.format(id=finding_id))}" class="{classes}" data-finding-id="{finding_id}" '
            f'data-status="{escape(status)}" data-change="{escape(change)}">'
            f'<circle class="pin-hit" cx="{dx}" cy="{-PIN_LIFT}" r="{PIN_HIT}" fill="#fff" fill-opacity="0"/>'
            f"{ring}"
            f'<circle cx="{dx}" cy="{-PIN_LIFT}" r="10" fill="{colour}" stroke="#fff" stroke-width="3">'
            f"<title>#{finding_id} {escape(title)}</title></circle>{mark}</a></g></g>"
        )
    out.append("</svg>")
    return "\n".join(out)
