"""Every variable the settings read is documented in .env.example, and docker-compose.yml
configures its services with the same variables."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def example_variables() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_][A-Z0-9_]*=", line)}


def test_every_variable_the_settings_read_is_in_env_example():
    source = (ROOT / "platform" / "plumbline" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|choice|list|dates)\("([A-Z0-9_]+)"', source))
    read |= set(re.findall(r'database_from_url\("([A-Z0-9_]+)"', source))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read - example_variables() == set()


def test_docker_compose_uses_only_documented_variables():
    compose = (ROOT / "docker-compose.yml").read_text()
    block = compose.split("x-plumbline-env: &plumbline-env", 1)[1].split("\nservices:", 1)[0]
    keys = set(re.findall(r"^  ([A-Z][A-Z0-9_]*):", block, flags=re.M))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_BACKEND", "MINIO_ENDPOINT"} <= keys
    assert keys - example_variables() == set()


def test_the_image_and_the_package_carry_every_installed_app():
    from django.conf import settings

    tops = {app.split(".")[0] for app in settings.INSTALLED_APPS if not app.startswith(("django.", "plumbline"))}
    dockerfile = (ROOT / "platform" / "Dockerfile").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    for app in sorted(tops):
        assert f"COPY {app} ./{app}\n" in dockerfile, app
        assert f'"{app}*"' in pyproject, app
