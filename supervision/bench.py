"""`plumbline bench dashboard --projects N`: the region dashboard's first page (the API operation
get_region_dashboard, sorted by code and by score, and the page /supervision/) against GET
/healthz, in the same run and process: median response time over `repeat` rounds, each round
asking every path once (so a neighbour's load on the machine falls on all of them alike), the
ratio to /healthz and the number of database queries of each. First the stored scores are
computed for the day, as the nightly task does (its time is printed too): the pages then read
them, as they do on a day when nothing changed (each read still checks that none is stale)."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.models import Project

from .region import AUDITOR, existing, load_region

PATHS = {
    "healthz": "/healthz",
    "dashboard": "/api/v1/supervision/dashboard?limit=50",
    "dashboard_by_score": "/api/v1/supervision/dashboard?limit=50&sort=score",
    "dashboard_page": "/supervision/",
}


def _get(client: Client, path: str) -> tuple[float, int, int]:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
    return elapsed, len(captured.captured_queries), response.status_code


def bench_dashboard(
    *,
    projects: int,
    findings_per_project: int,
    repeat: int,
    findings: int | None = None,
    before_measuring=lambda: None,
    log=lambda line: None,
) -> dict:
    """`before_measuring`: called just before the requests (the site has a worker beat there, so
    that /healthz answers 200 as it does in production rather than its 503 of no worker)."""
    if existing() < projects:
        log(f"loading the region up to {projects} projects")
        started = time.perf_counter()
        load_region(projects=projects, findings_per_project=findings_per_project, findings=findings, log=log)
        log(f"loaded in {time.perf_counter() - started:.0f} s")
    from inspections.models import Finding

    from .actions import refresh_project_scores
    from .models import ProjectScore

    ProjectScore.objects.filter(project__code__startswith="ZH-").delete()
    started = time.perf_counter()
    scored = refresh_project_scores(Project.objects.values_list("pk", flat=True))
    nightly_s = round(time.perf_counter() - started, 2)
    if connection.vendor == "postgresql":
        # as autovacuum does within a minute of the nightly rewrite of every row (far above its
        # 20% threshold): the visibility map the dashboard's index-only count relies on
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {ProjectScore._meta.db_table}")
    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    before_measuring()
    for path in PATHS.values():  # warm up: the first request of a process imports and compiles
        client.get(path)
    times: dict[str, list[float]] = {name: [] for name in PATHS}
    seen: dict[str, tuple[int, int]] = {}
    for _round in range(repeat):
        for name, path in PATHS.items():
            elapsed, queries, status = _get(client, path)
            times[name].append(elapsed)
            seen[name] = (queries, status)
    result = {
        "database": connection.vendor,
        "projects": existing(),
        "findings": Finding.objects.count(),
        "nightly_scoring": {"projects": scored, "seconds": nightly_s},
    }
    health_ms = statistics.median(times["healthz"]) * 1000
    for name, path in PATHS.items():
        ms = statistics.median(times[name]) * 1000
        result[name] = {
            "path": path,
            "status": seen[name][1],
            "median_ms": round(ms, 1),
            "ratio": round(ms / max(health_ms, 0.1), 1),
            "queries": seen[name][0],
        }
    return result
