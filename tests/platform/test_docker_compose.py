"""docker-compose.yml is a production stack that starts in order and knows when it is sick:
pinned images, migrations once before web and worker, healthchecks, every variable passed on.
(Docker is not needed: the file is parsed and checked.)"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_image_is_pinned_to_a_version():
    for name, service in compose()["services"].items():
        if "image" in service:
            tag = service["image"].rpartition(":")[2]
            assert ":" in service["image"] and tag not in ("latest", ""), f"{name} uses {service['image']}"


def test_migrations_run_once_before_web_and_worker_start():
    services = compose()["services"]
    assert "migrate" in services["migrate"]["command"]
    assert services["migrate"].get("restart", "no") == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in " ".join(services[name]["command"])


def test_web_is_checked_on_healthz_and_the_worker_by_its_heartbeat():
    services = compose()["services"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    # a worker whose pool hangs still answers `celery inspect ping`; its heartbeat stops
    worker = services["worker"]["healthcheck"]
    assert worker["test"] == ["CMD", "plumbline", "worker_health"]
    assert "ping" not in " ".join(worker["test"])
    # the first beat comes once the worker is up: no failure counted before a minute has passed
    assert _seconds(worker["start_period"]) >= 60


def _seconds(duration: str) -> int:
    return int(duration.removesuffix("s"))


def test_every_variable_of_env_example_is_passed_to_the_platform():
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_][A-Z0-9_]*=", line)}
    services = compose()["services"]
    for name in ("migrate", "web", "worker"):
        assert documented - set(services[name]["environment"]) == set(), name
