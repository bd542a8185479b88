"""Findings reports for the weekly site meeting: the findings the list shows (its own query and
filters), each with a crop of its storey plan around the element or point, its photos, its
history and who signed each step, as a PDF (reportlab; Chinese in reportlab's built-in CID font
STSong-Light, so no font file is needed) or an XLSX workbook (openpyxl). The task
`build_findings_report` calls `build`; the file is stored by the actions."""

import inspect
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import shapely
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bim import queries as bim_queries
from plumbline.core.audit.models import AuditEvent
from plumbline.core.errors import InvalidInput, NotFound
from projects.models import Party
from storage import ObjectNotFound, get_storage

from . import queries
from .models import Finding, FindingsReport, ReportFormat, StepKind

CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PHOTOS_PER_FINDING = 6
PHOTO_PX = 480  # photos are scaled down to this before they go into the PDF
CROP_MARGIN_M = 3.0  # plan shown around the finding's elements or point
CJK_FONT = "STSong-Light"
SIGNING_STEPS = (StepKind.OPENED, StepKind.RECTIFICATION_SUBMITTED, StepKind.VERIFIED, StepKind.REJECTED)


# the findings list's query first, then those it hands its other filters to: their keyword
# arguments are the list's filters
LIST_QUERIES = (queries.search_findings, queries.list_findings)


def report_filters(filters: dict | None) -> dict:
    """The filters a report takes: those of the findings list (the keyword arguments of its
    queries, so a filter added to the list is a report filter too), empty ones left out; a name
    the list does not know is refused."""
    accepted = [
        p.name
        for query in LIST_QUERIES
        for p in inspect.signature(query).parameters.values()
        if p.kind == p.KEYWORD_ONLY and p.name != "user"
    ]
    filters = {name: value for name, value in (filters or {}).items() if value not in (None, "", [])}
    unknown = sorted(set(filters) - set(accepted))
    if unknown:
        raise InvalidInput(
            _("The findings list has no filter %(names)s; it has %(accepted)s.")
            % {"names": ", ".join(unknown), "accepted": ", ".join(accepted)},
            field="filters",
        )
    return filters


def findings_of(report: FindingsReport) -> list[Finding]:
    """The findings of a report: what the requester's list shows with the report's filters."""
    rows = LIST_QUERIES[0](report.project, user=report.requested_by, **report_filters(report.filters))
    return list(
        rows.select_related(
            "version__model", "responsible_appointment__organisation", "created_by__person"
        ).prefetch_related("steps__actor__person__organisation", "photos")
    )


# --- what each finding shows ---------------------------------------------------------------------


@dataclass
class PlanCrop:
    """A window of a storey plan (metres): the footprints in it, clipped; the finding's own marked."""

    bounds: tuple[float, float, float, float]
    spaces: list = field(default_factory=list)  # shapely geometries
    elements: list = field(default_factory=list)  # (geometry, is the finding's)
    pin: tuple[float, float] | None = None
    storey_name: str = ""


@dataclass
class Entry:
    finding: Finding
    storey_name: str
    element_names: list[str]
    steps: list[dict]
    signatures: list[dict]
    events: list[dict]
    photos: list[tuple[bytes, str]]  # (JPEG, caption)
    crop: PlanCrop | None


class _Plans:
    """Parsed footprints of the storeys the report's findings are on, each storey read once."""

    def __init__(self):
        self.storeys: dict[tuple[int, str], tuple[str, list, list] | None] = {}

    def of(self, finding: Finding):
        key = (finding.version_id, finding.storey_global_id)
        if key not in self.storeys:
            self.storeys[key] = None
            if finding.version_id and finding.storey_global_id:
                try:
                    storey = bim_queries.get_storey(finding.version, finding.storey_global_id)
                except NotFound:
                    return None
                spaces = [
                    shapely.from_wkt(w) for w in storey.spaces.exclude(footprint="").values_list("footprint", flat=True)
                ]
                elements = [
                    (g, shapely.from_wkt(w))
                    for g, w in storey.elements.exclude(footprint="").values_list("global_id", "footprint")
                ]
                self.storeys[key] = (storey.name or storey.global_id, spaces, elements)
        return self.storeys[key]

    def crop(self, finding: Finding) -> PlanCrop | None:
        plan = self.of(finding)
        if plan is None:
            return None
        name, spaces, elements = plan
        own = [geometry for g, geometry in elements if g in finding.global_ids]
        if finding.point_x is not None:
            pin = (finding.point_x, finding.point_y)
            x0, y0, x1, y1 = pin[0], pin[1], pin[0], pin[1]
        elif own:
            x0, y0, x1, y1 = shapely.union_all(own).bounds
            point = own[0].representative_point()
            pin = (point.x, point.y)
        else:
            return None
        x0, y0, x1, y1 = x0 - CROP_MARGIN_M, y0 - CROP_MARGIN_M, x1 + CROP_MARGIN_M, y1 + CROP_MARGIN_M
        # the window is 4:3, as the box it is drawn in
        width, height = x1 - x0, y1 - y0
        if width < height * 4 / 3:
            grow = (height * 4 / 3 - width) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = (width * 3 / 4 - height) / 2
            y0, y1 = y0 - grow, y1 + grow
        window = shapely.box(x0, y0, x1, y1)
        crop = PlanCrop(bounds=(x0, y0, x1, y1), pin=pin, storey_name=name)
        crop.spaces = [s.intersection(window) for s in spaces if s.intersects(window)]
        crop.elements = [
            (geometry.intersection(window), g in finding.global_ids)
            for g, geometry in elements
            if geometry.intersects(window)
        ]
        crop.elements.sort(key=lambda e: e[1])  # the finding's own drawn last, on top
        return crop


def _person(user) -> tuple[str, str]:
    person = getattr(user, "person", None)
    if person is None:
        return user.get_username(), ""
    return person.name, person.organisation.name if person.organisation else ""


def _photos(finding: Finding) -> list[tuple[bytes, str]]:
    """The finding's photos, scaled down as JPEG: a marked-up photo stands for its original."""
    from PIL import Image, UnidentifiedImageError

    photos = list(finding.photos.all())
    marked = {p.marks_up_id for p in photos if p.marks_up_id}
    storage = get_storage()
    shown = []
    for photo in [p for p in photos if p.pk not in marked][:PHOTOS_PER_FINDING]:
        try:
            with storage.open(photo.thumbnail_key or photo.file_key) as handle:
                image = Image.open(io.BytesIO(handle.read()))
                image.thumbnail((PHOTO_PX, PHOTO_PX))
                out = io.BytesIO()
                image.convert("RGB").save(out, format="JPEG", quality=80)
        except (ObjectNotFound, UnidentifiedImageError, OSError):
            continue  # HEIC has no decoder here; the XLSX and the page still list it
        caption = f"{photo.get_kind_display()} · {timezone.localtime(photo.uploaded_at):%Y-%m-%d %H:%M}"
        if photo.marks_up_id:
            caption += " · " + _("marked up (original kept)")
        shown.append((out.getvalue(), caption))
    return shown


def _entry(finding: Finding, plans: _Plans, events: dict[str, list], *, with_photos: bool) -> Entry:
    names = (
        bim_queries.element_names([(finding.version_id, g) for g in finding.global_ids]) if finding.version_id else {}
    )
    steps, signatures = [], []
    for step in finding.steps.all():
        who, organisation = _person(step.actor)
        row = {
            "step": step.kind,
            "kind": step.get_kind_display(),
            "at": step.created_at,
            "who": who,
            "organisation": organisation,
            "note": step.note,
        }
        steps.append(row)
        if step.kind in SIGNING_STEPS:
            signatures.append(row)
    crop = plans.crop(finding)
    return Entry(
        finding=finding,
        storey_name=crop.storey_name if crop else (plans.of(finding) or ("",))[0],
        element_names=[names.get((finding.version_id, g), g) for g in finding.global_ids],
        steps=steps,
        signatures=signatures,
        events=events.get(str(finding.pk), []),
        photos=_photos(finding) if with_photos else [],
        crop=crop,
    )


def _events(report: FindingsReport, findings: list[Finding]) -> dict[str, list]:
    """Each finding's audit events (the chain's record of every change), oldest first."""
    rows = AuditEvent.objects.filter(
        project=report.project, target_type="Finding", target_id__in=[str(f.pk) for f in findings]
    ).order_by("sequence")
    events: dict[str, list] = {}
    for event in rows:
        events.setdefault(event.target_id, []).append(
            {"action": event.action, "at": event.created_at, "who": event.actor_name, "hash": event.hash}
        )
    return events


def entries(report: FindingsReport, progress: Callable[[int, int], None]) -> Iterator[Entry]:
    findings = findings_of(report)
    events = _events(report, findings)
    plans = _Plans()
    total = len(findings) + 1  # the last step is writing the file
    progress(0, total)
    for done, finding in enumerate(findings, start=1):
        yield _entry(finding, plans, events, with_photos=report.format == ReportFormat.PDF)
        progress(done, total)


def build(report: FindingsReport, progress: Callable[[int, int], None]) -> tuple[bytes, int]:
    """The report's file and how many findings it holds; `progress(done, total)` is called as it goes."""
    rows = list(entries(report, progress))
    data = _pdf(report, rows) if report.format == ReportFormat.PDF else _xlsx(report, rows)
    return data, len(rows)


def _party(code: str) -> str:
    return str(Party(code).label) if code in Party.values else code


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _filters_text(report: FindingsReport) -> str:
    filters = report_filters(report.filters)
    if not filters:
        return _("all findings")
    return ", ".join(f"{name}={value}" for name, value in sorted(filters.items()))


# --- PDF -----------------------------------------------------------------------------------------


def _pdf(report: FindingsReport, rows: list[Entry]) -> bytes:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=colors.HexColor("#555555"))
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4, keepWithNext=1)

    def p(text, style=body):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    project = report.project
    story = [
        p(_("Findings report") + f" · {project.name}", h1),
        p(
            _("Project %(code)s · asked for %(when)s by %(who)s · %(count)d findings · filters: %(filters)s")
            % {
                "code": project.code,
                "when": _when(report.created_at),
                "who": _person(report.requested_by)[0],
                "count": len(rows),
                "filters": _filters_text(report),
            },
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    summary = [[p(h) for h in (_("No."), _("Title"), _("Status"), _("Severity"), _("Responsible"), _("Due date"))]]
    for entry in rows:
        f = entry.finding
        leader = f.responsible_appointment.leader.name if f.responsible_appointment else ""
        summary.append(
            [
                p(f"#{f.pk}"),
                p(f.title),
                p(f.get_status_display()),
                p(f.get_severity_display()),
                p(leader),
                p(f.due_date.isoformat() if f.due_date else ""),
            ]
        )
    widths = [14 * mm, 70 * mm, 26 * mm, 18 * mm, 26 * mm, 22 * mm]
    story.append(Table(summary, colWidths=widths, style=grid, repeatRows=1))
    for entry in rows:
        f = entry.finding
        story.append(p(f"#{f.pk} {f.title}", h2))
        leader = f.responsible_appointment
        facts = [
            (_("Status"), f.get_status_display()),
            (_("Severity"), f.get_severity_display()),
            (_("Category"), f.get_category_display()),
            (_("Source"), f.get_source_display()),
            (_("Storey"), entry.storey_name),
            (_("Elements"), ", ".join(entry.element_names)),
            (
                _("Responsible"),
                f"{leader.leader.name} ({leader.organisation.name})" if leader else _party(f.responsible_party),
            ),
            (_("Due date"), f.due_date.isoformat() if f.due_date else ""),
            (_("Seen on site"), _when(f.observed_at or f.created_at)),
            (_("Reached the server"), _when(f.created_at)),
            (_("Model version"), f"{f.version.model.name} v{f.version.number}" if f.version_id else ""),
        ]
        fact_table = Table(
            [[p(k, small), p(v)] for k, v in facts if v],
            colWidths=[24 * mm, 60 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
        )
        plan = PlanDrawing(entry.crop, 88 * mm, 66 * mm, empty=_("No plan for this finding."))
        story.append(
            Table(
                [[fact_table, plan]],
                colWidths=[86 * mm, 90 * mm],
                style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
            )
        )
        if f.description:
            story.append(p(f.description))
        if entry.photos:
            cells = []
            for data, caption in entry.photos:
                image = Image(io.BytesIO(data))
                scale = min(56 * mm / image.imageWidth, 42 * mm / image.imageHeight)
                image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
                cells.append([image, p(caption, small)])
            photo_rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
            story.append(Spacer(1, 2 * mm))
            for row in photo_rows:
                story.append(
                    Table(
                        [row],
                        colWidths=[59 * mm] * len(row),
                        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
                        hAlign="LEFT",
                    )
                )
        if entry.steps:
            history = [[p(h, small) for h in (_("When"), _("Step"), _("Who"), _("Note"))]]
            for step in entry.steps:
                who = step["who"] + (f" ({step['organisation']})" if step["organisation"] else "")
                history.append([p(_when(step["at"]), small), p(step["kind"]), p(who), p(step["note"])])
            story.append(p(_("History"), body))
            story.append(Table(history, colWidths=[28 * mm, 30 * mm, 46 * mm, 72 * mm], style=grid, repeatRows=1))
        if entry.signatures:
            signed = "; ".join(
                f"{s['kind']}: {s['who']}"
                + (f" ({s['organisation']})" if s["organisation"] else "")
                + f" {_when(s['at'])}"
                for s in entry.signatures
            )
            story.append(KeepTogether([p(_("Signatures"), body), p(signed)]))
        if entry.events:
            trail = "; ".join(f"{e['action']} · {e['who']} · {_when(e['at'])} · {e['hash'][:12]}" for e in entry.events)
            story.append(p(_("Audit trail (event, who, when, hash): %(events)s") % {"events": trail}, small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_("Findings report") + f" {project.code}",
        invariant=1,  # the same report twice is the same file (its hash too)
    )
    doc.build(story)
    return out.getvalue()


class PlanDrawing(Flowable):
    """A plan crop drawn as vectors: spaces light, elements grey, the finding's own red, its pin."""

    def __init__(self, crop: PlanCrop | None, width: float, height: float, empty: str):
        super().__init__()
        self.crop, self.width, self.height, self.empty = crop, width, height, empty

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        c = self.canv
        c.setStrokeColor(colors.HexColor("#999999"))
        c.setLineWidth(0.5)
        c.rect(0, 0, self.width, self.height)
        if self.crop is None:
            c.setFont(CJK_FONT, 8)
            c.drawCentredString(self.width / 2, self.height / 2, self.empty)
            return
        x0, y0, x1, y1 = self.crop.bounds
        scale = min(self.width / (x1 - x0), self.height / (y1 - y0))

        def at(x, y):
            return (x - x0) * scale, (y - y0) * scale

        def shape(geometry, fill, stroke, width):
            for part in getattr(geometry, "geoms", [geometry]):
                if part.is_empty:
                    continue
                if part.geom_type == "Polygon":
                    path = c.beginPath()
                    for ring in [part.exterior, *part.interiors]:
                        points = [at(x, y) for x, y in ring.coords]
                        path.moveTo(*points[0])
                        for point in points[1:]:
                            path.lineTo(*point)
                        path.close()
                    c.setFillColor(fill)
                    c.setStrokeColor(stroke)
                    c.setLineWidth(width)
                    c.drawPath(path, fill=1, stroke=1, fillMode=0)
                elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
                    shape(part, fill, stroke, width)

        c.saveState()
        clip = c.beginPath()
        clip.rect(0, 0, self.width, self.height)
        c.clipPath(clip, stroke=0, fill=0)
        for space in self.crop.spaces:
            shape(space, colors.HexColor("#f3f6fa"), colors.HexColor("#c8d2de"), 0.3)
        for geometry, is_own in self.crop.elements:
            if is_own:
                shape(geometry, colors.HexColor("#f4b4b4"), colors.HexColor("#c62828"), 1.2)
            else:
                shape(geometry, colors.HexColor("#d7d7d7"), colors.HexColor("#6b6b6b"), 0.4)
        if self.crop.pin:
            px, py = at(*self.crop.pin)
            c.setFillColor(colors.HexColor("#c62828"))
            c.setStrokeColor(colors.white)
            c.setLineWidth(1)
            c.circle(px, py, 4, fill=1, stroke=1)
        c.restoreState()
        # a one-metre scale bar, bottom left
        c.setStrokeColor(colors.black)
        c.setLineWidth(1)
        c.line(6, 6, 6 + scale, 6)
        c.setFont("Helvetica", 6)
        c.drawString(8 + scale, 4, "1 m")


# --- XLSX ----------------------------------------------------------------------------------------


def _local(value):
    """openpyxl writes no time zones: the project's local time, as the pages show it."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _xlsx(report: FindingsReport, rows: list[Entry]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Findings")[:31]
    headers = [
        ("id", _("No.")),
        ("title", _("Title")),
        ("status", _("Status")),
        ("severity", _("Severity")),
        ("category", _("Category")),
        ("storey", _("Storey")),
        ("elements", _("Elements")),
        ("responsible_party", _("Responsible party")),
        ("responsible_leader", _("Responsible")),
        ("due_date", _("Due date")),
        ("observed_at", _("Seen on site")),
        ("created_at", _("Reached the server")),
        ("verified_by", _("Verified by")),
        ("verified_at", _("Verified at")),
        ("photos", _("Photos")),
        ("description", _("Description")),
        ("source", _("Source")),
    ]
    sheet.append([label for _key, label in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    history = book.create_sheet(_("History")[:31])
    history.append([_("No."), _("When"), _("Step"), _("Who"), _("Organisation"), _("Note")])
    for entry in rows:
        f = entry.finding
        verified = next((s for s in reversed(entry.signatures) if s["step"] == StepKind.VERIFIED), None)
        sheet.append(
            [
                f.pk,
                f.title,
                f.get_status_display(),
                f.get_severity_display(),
                f.get_category_display(),
                entry.storey_name,
                ", ".join(entry.element_names),
                _party(f.responsible_party),
                f.responsible_appointment.leader.name if f.responsible_appointment else "",
                f.due_date,
                _local(f.observed_at),
                _local(f.created_at),
                verified["who"] if verified else "",
                _local(verified["at"]) if verified else None,
                len(f.photos.all()),
                f.description,
                f.get_source_display(),
            ]
        )
        for step in entry.steps:
            history.append([f.pk, _local(step["at"]), step["kind"], step["who"], step["organisation"], step["note"]])
    for column, width in zip(
        "ABCDEFGHIJKLMNOPQ", [7, 40, 14, 10, 16, 12, 30, 14, 12, 12, 18, 18, 12, 18, 8, 50, 14], strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows(min_row=2):
        for cell in (row[9], row[10], row[11], row[13]):
            cell.number_format = "yyyy-mm-dd hh:mm" if cell.column != 10 else "yyyy-mm-dd"
    for row in history.iter_rows(min_row=2):
        row[1].number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
