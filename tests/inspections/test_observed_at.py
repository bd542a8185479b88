"""A finding made offline keeps the time it was seen on site (`observed_at`, the tablet's clock)
apart from the time it reached the server (`created_at`); both are in the API, on the page and in
the BCF export; a clock that is far off is refused plainly."""

import io
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bim.models import ModelVersion
from inspections.models import Finding
from projects.models import Project


@pytest.fixture
def demo(world):
    # the demo project was created when the test run started: make it a month old
    Project.objects.filter(pk=world["project"].pk).update(created_at=timezone.now() - timedelta(days=30))
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    return world["project"].code, version


def body(version, **extra):
    return {
        "client_uuid": str(uuid.uuid4()),
        "version_id": version.pk,
        "global_ids": [version.elements.get(name="1F 西墙").global_id],
        "category": "structure",
        "severity": "major",
        "title": "Crack seen while offline",
        **extra,
    }


def test_a_finding_sent_late_keeps_the_time_it_was_seen_on_site(demo, as_persona):
    code, version = demo
    seen = timezone.now() - timedelta(hours=3)
    response = as_persona("inspector").post(f"/projects/{code}/findings", body(version, observed_at=seen.isoformat()))
    assert response.status_code == 201
    out = response.json()
    finding = Finding.objects.get(pk=out["id"])
    assert abs((finding.observed_at - seen).total_seconds()) < 1
    assert finding.created_at - finding.observed_at > timedelta(hours=2, minutes=59)
    assert out["observed_at"][:16] == seen.isoformat()[:16] and out["created_at"][:16] != out["observed_at"][:16]
    listed = as_persona("inspector").get(f"/projects/{code}/findings?limit=1").json()["items"][0]
    assert listed["id"] == out["id"] and listed["observed_at"] and listed["created_at"]


def test_a_finding_without_observed_at_was_seen_when_it_arrived(demo, as_persona):
    code, version = demo
    out = as_persona("inspector").post(f"/projects/{code}/findings", body(version)).json()
    finding = Finding.objects.get(pk=out["id"])
    assert abs((finding.created_at - finding.observed_at).total_seconds()) < 5


@pytest.mark.parametrize(
    "observed_at, message",
    [
        (lambda: (timezone.now() + timedelta(hours=1)).isoformat(), "在未来"),
        (lambda: "2001-01-01T08:00:00+08:00", "早于项目创建时间"),
        (lambda: "2026-01-01T08:00:00", "须带时区"),
    ],
    ids=["future", "before-project", "no-zone"],
)  # the messages in Chinese, the default language
@pytest.mark.chinese
def test_an_observed_at_off_the_tablets_clock_is_refused(demo, as_persona, observed_at, message):
    code, version = demo
    response = as_persona("inspector").post(f"/projects/{code}/findings", body(version, observed_at=observed_at()))
    assert response.status_code == 422
    assert response.json()["field"] == "observed_at" and message in response.json()["detail"]
    assert not Finding.objects.filter(title="Crack seen while offline").exists()


def test_a_clock_a_minute_ahead_is_accepted(demo, as_persona):
    code, version = demo
    ahead = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert (
        as_persona("inspector").post(f"/projects/{code}/findings", body(version, observed_at=ahead)).status_code == 201
    )


def test_the_finding_page_shows_when_it_was_seen_and_when_it_arrived(demo, as_persona, client, world):
    code, version = demo
    seen = timezone.now() - timedelta(days=1)
    out = as_persona("inspector").post(f"/projects/{code}/findings", body(version, observed_at=seen.isoformat())).json()
    client.force_login(world["users"]["inspector"])
    page = client.get(f"/projects/{code}/findings/{out['id']}/").content.decode()
    assert timezone.localtime(seen).strftime("%Y-%m-%d %H:%M") in page
    assert timezone.localtime(Finding.objects.get(pk=out["id"]).created_at).strftime("%Y-%m-%d %H:%M") in page
    assert 'id="observed-at"' in page and 'id="created-at"' in page


def test_the_bcf_export_dates_a_topic_by_when_it_was_seen_on_site(demo, as_persona):
    code, version = demo
    seen = timezone.now() - timedelta(days=2)
    out = as_persona("inspector").post(f"/projects/{code}/findings", body(version, observed_at=seen.isoformat())).json()
    data = (
        as_persona("inspector")
        .client.get(f"/api/v1/projects/{code}/findings/bcf", headers=as_persona("inspector").headers)
        .content
    )
    with zipfile.ZipFile(io.BytesIO(data)) as bcf:
        markup = bcf.read(f"{out['client_uuid']}/markup.bcf").decode()
    written = re.search(r"<CreationDate>([^<]+)</CreationDate>", markup).group(1)
    assert parse_datetime(written) == Finding.objects.get(pk=out["id"]).observed_at


def test_a_bcf_topic_from_another_tool_was_seen_at_its_creation_date(demo, as_persona):
    from inspections.bcf import write_bcf
    from tests.inspections.test_bcf import topic, upload

    code, version = demo
    item = topic([version.elements.get(name="2F 北墙").global_id])
    assert upload(as_persona("inspector"), code, write_bcf([item], version="3.0")).status_code == 200
    finding = Finding.objects.get(client_uuid=item["guid"])
    assert finding.observed_at.isoformat() == "2026-11-20T01:00:00+00:00"  # 09:00 in Beijing
    assert finding.created_at > finding.observed_at
