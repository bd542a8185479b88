"""The region dashboard at a province's scale: its API operation and its page read a bounded
number of queries, the same for 5 projects as for 50, and on PostgreSQL its count of the
region's projects and of stale scores is read from the score index alone."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from supervision.region import AUDITOR, load_region

pytestmark = pytest.mark.django_db

PATHS = (
    "/api/v1/supervision/dashboard?limit=50",
    "/api/v1/supervision/dashboard?limit=50&sort=score&max_score=95",
    "/supervision/",
)


def _queries(client: Client) -> dict[str, int]:
    counted = {}
    for path in PATHS:
        client.get(path)  # scores what is stale first (a project just loaded)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        counted[path] = len(captured.captured_queries)
    return counted


def test_the_dashboard_answers_in_the_same_queries_for_5_projects_and_for_50():
    load_region(projects=5, findings_per_project=3)
    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    with_5 = _queries(client)
    load_region(projects=50, findings_per_project=3, seed=20)
    assert _queries(client) == with_5
    api = {path: n for path, n in with_5.items() if path.startswith("/api/")}
    assert max(api.values()) <= 5  # session, user with person and department, counts, page
    # the page adds the department's draws and its region's architect-in-charge switch
    assert with_5["/supervision/"] <= 8


def test_a_page_shows_the_count_of_every_matching_project_not_of_the_page():
    load_region(projects=12, findings_per_project=2)
    client = Client()
    client.force_login(get_user_model().objects.get(username=AUDITOR))
    page = client.get("/api/v1/supervision/dashboard?limit=5&offset=5").json()
    assert page["count"] == 12 and len(page["items"]) == 5
    past_the_end = client.get("/api/v1/supervision/dashboard?limit=5&offset=40").json()
    assert past_the_end["count"] == 12 and past_the_end["items"] == []


@pytest.mark.integration  # runs in CI's PostgreSQL stage, not on the embedded default
@pytest.mark.skipif(connection.vendor != "postgresql", reason="index-only scans are PostgreSQL's")
def test_the_dashboard_counts_from_the_score_index_alone_on_postgresql():
    from supervision import queries

    load_region(projects=5, findings_per_project=1)
    auditor = get_user_model().objects.get(username=AUDITOR)
    client = Client()
    client.force_login(auditor)
    client.get("/api/v1/supervision/dashboard")  # the scores stored
    with CaptureQueriesContext(connection) as captured:
        queries.count_region_dashboard(user=auditor)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask whether the index covers
        cursor.execute("EXPLAIN " + captured.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using supervision_score_fresh_idx" in plan, plan
