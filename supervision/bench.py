"""`plumbline bench dashboard --projects N`: the region dashboard's first page (and the page
sorted by score, which scores every project) against GET /healthz, in the same run and process:
median response time over `repeat` requests and the number of database queries of each."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

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
    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    health = _measure(client, "/healthz", repeat)
    page = _measure(client, "/api/v1/supervision/dashboard?limit=50", repeat)
    by_score = _measure(client, "/api/v1/supervision/dashboard?limit=50&sort=score", max(1, repeat // 2))
    from inspections.models import Finding

    return {
        "database": connection.vendor,
        "projects": existing(),
        "findings": Finding.objects.count(),
        "healthz": health,
        "dashboard": page,
        "dashboard_by_score": by_score,
        "ratio": round(page["median_ms"] / max(health["median_ms"], 0.1), 1),
        "ratio_by_score": round(by_score["median_ms"] / max(health["median_ms"], 0.1), 1),
    }
