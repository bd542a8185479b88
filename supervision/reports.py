"""What the API and the pages both hand out beyond plain rows: the dashboard as a file, its
charts as SVG, and a result as the public page shows it."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from plumbline.core.errors import InvalidInput, NotFound

from . import actions, charts, export, queries

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHARTS = ("scores.svg", "findings.svg")


def region_dashboard(user, **filters) -> queries.DashboardPage:
    """The dashboard's page, its stale scores refreshed first (none, on a day the beat task ran
    and nothing changed): one query counts the page's projects and the stale ones, a second
    reads the page."""
    if filters.get("sort", "code") not in queries.SORTS:  # refused before anything is read
        return queries.get_region_dashboard(user=user, **filters)
    counted = {k: v for k, v in filters.items() if k not in ("sort", "limit", "offset")}
    count, stale = queries.count_region_dashboard(user=user, **counted)
    if stale:
        actions.refresh_stale_scores(
            queries.dashboard_projects(user=user, search=filters.get("search", ""), stage=filters.get("stage", ""))
        )
        count, _stale = queries.count_region_dashboard(user=user, **counted)
    return queries.get_region_dashboard(user=user, count=count, **filters)


def export_response(user, filters: dict, format: str) -> HttpResponse:
    if format not in EXPORT_TYPES:
        raise InvalidInput(_("Export as csv or xlsx."), field="format")
    page = region_dashboard(user, **{**filters, "limit": 10**9, "offset": 0})
    data = export.as_csv(page.rows) if format == "csv" else export.as_xlsx(page.rows)
    response = HttpResponse(data, content_type=EXPORT_TYPES[format])
    name = f"region-dashboard-{timezone.localdate().isoformat()}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def chart_svg(user, chart: str, *, project=None) -> str:
    if chart not in CHARTS:
        raise NotFound(_("No chart %(name)s.") % {"name": chart})
    if chart == "scores.svg":
        actions.refresh_stale_scores(queries.region_projects(user=user))
        bins = queries.score_distribution(user=user)
        labels = [f"{10 * i}–{10 * i + 9}" if i < 9 else "90–100" for i in range(10)]
        return charts.bar_chart(_("Completeness scores of the region's projects"), labels, bins)
    from inspections.models import Severity

    rows = queries.findings_over_time(user=user, project=project)
    months = sorted({m for m, _s, _n in rows})
    labels = [timezone.localtime(m).strftime("%Y-%m") if hasattr(m, "tzinfo") else str(m)[:7] for m in months]
    series = {s: [0] * len(months) for s in Severity.values}
    for m, severity, n in rows:
        series[severity][months.index(m)] += n
    legend = {s: str(Severity(s).label) for s in ("critical", "major", "minor")}
    return charts.stacked_chart(_("Findings opened per month"), labels, series, legend)


def chart_response(user, chart: str, *, project=None) -> HttpResponse:
    response = HttpResponse(chart_svg(user, chart, project=project), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


def public_result(r) -> dict:
    drawn = next((row for row in r.draw.result if row["project"] == r.project.code), {"inspectors": []})
    return {
        "department": r.draw.department.name,
        "period": r.draw.period,
        "project": r.project.code,
        "project_name": r.project.name,
        "outcome": r.outcome,
        "outcome_label": r.get_outcome_display(),
        "summary": r.summary,
        "inspectors": [i["name"] for i in drawn["inspectors"]],
        "signed_on": timezone.localtime(r.signed_at).date(),
        "draw_id": r.draw.pk,
        "seed": r.draw.seed,
        "algorithm": r.draw.algorithm,
    }


def draw_record(draw) -> dict:
    """What anyone needs to recompute a draw (supervision/draw.py's run_draw)."""
    return {
        "id": draw.pk,
        "department": draw.department.name,
        "period": draw.period,
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "inspectors_per_project": draw.inspectors_per_project,
        "pool": draw.pool,
        "result": draw.result,
        "created_at": draw.created_at,
    }
