"""A page refused to a member's role (403) is logged as one line naming the path and why, not
with a traceback: the log keeps tracebacks for faults of the server."""

import logging


def test_a_403_is_logged_as_one_line_without_a_traceback(world, client, caplog):
    client.force_login(world["users"]["home_owner"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(f"/projects/{world['project'].code}/findings/")
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.exc_info is None and not record.exc_text
    line = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "\n" not in line and "Traceback" not in line
    assert f"/projects/{world['project'].code}/findings/" in line and "finding.view" in line
