"""`plumbline bench dashboard --projects N`: the region dashboard's first page, and the page of
the lowest scores, against GET /healthz, in the same run and process: median response time over
`repeat` requests and the number of database queries of each. First the stored scores are
computed for the day, as the nightly task does (its time is printed too): the pages then read
them, as they do on a day when nothing changed."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects.models import Project

from .region import AUDITOR, existing, load_region


def _measure(client: Client, path: str, repeat: int) -> dict:
    times, queries, status = [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        queries, status = len(captured.captured_queries), response.status_code
    return {"path": path, "status": status, "median_ms": round(statistics.median(times) * 1000, 1), "queries": queries}


def bench_dashboard(*, projects: int, findings_per_project: int, repeat: int, log=lambda line: None) -> dict:
    if existing() < projects:
        log(f"loading the region up to {projects} projects")
        load_region(projects=projects, findings_per_project=findings_per_project, log=log)
    from .actions import refresh_project_scores
    from .models import ProjectScore

    ProjectScore.objects.filter(project__code__startswith="ZH-").delete()
    started = time.perf_counter()
    scored = refresh_project_scores(Project.objects.values_list("pk", flat=True))
    nightly_s = round(time.perf_counter() - started, 2)
    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    health = _measure(client, "/healthz", repeat)
    page = _measure(client, "/api/v1/supervision/dashboard?limit=50", repeat)
    by_score = _measure(client, "/api/v1/supervision/dashboard?limit=50&sort=score", repeat)
    from inspections.models import Finding

    return {
        "database": connection.vendor,
        "projects": existing(),
        "findings": Finding.objects.count(),
        "nightly_scoring": {"projects": scored, "seconds": nightly_s},
        "healthz": health,
        "dashboard": page,
        "dashboard_by_score": by_score,
        "ratio": round(page["median_ms"] / max(health["median_ms"], 0.1), 1),
        "ratio_by_score": round(by_score["median_ms"] / max(health["median_ms"], 0.1), 1),
    }
