"""A database made before the kernel moved into plumbline.core (issue 15) migrates to today's code
with `plumbline migrate` and keeps its data: the code of the commit before the move is checked
out with `git worktree`, builds the embedded default's database with `migrate` and `load_demo` (as
`make run` does), and today's code then finds nothing to migrate, the same rows, and every audit
chain intact."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# Where the audit app lived before the kernel: the commit that moved it away has the old code as
# its parent.
OLD_AUDIT_APP = "platform/plumbline/audit/apps.py"


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def old_checkout(tmp_path):
    try:
        moved = _git("log", "-1", "--format=%H", "--diff-filter=D", "--", OLD_AUDIT_APP)
    except (OSError, subprocess.CalledProcessError) as exc:
        require_service("git history", str(exc))
    if not moved:
        require_service("git history", f"no commit removes {OLD_AUDIT_APP} (a shallow clone?)")
    folder = tmp_path / "old"
    _git("worktree", "add", "--detach", str(folder), f"{moved}^")
    try:
        yield folder
    finally:
        _git("worktree", "remove", "--force", str(folder))


def _plumbline(code: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{code}:{code / 'platform'}", "PLUMBLINE_DATA_DIR": str(data_dir)}
    # the embedded default, whatever the run around this test is configured for
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "STORAGE_BACKEND", "SECRET_KEY"):
        env.pop(name, None)
    env["DJANGO_SETTINGS_MODULE"] = "plumbline.settings"
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EDITABLE_INSTALL, *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


# The venv's editable install of this checkout finds a module the older code lacks (e.g. a
# migrations package an app gained since) whatever PYTHONPATH says: its finder goes, so each
# checkout runs only its own code.
WITHOUT_EDITABLE_INSTALL = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.argv[0] = "plumbline"
from plumbline.cli import main
sys.exit(main())
"""


def _rows(database: Path) -> dict[str, int]:
    """Rows per table of the apps' data (Django's own bookkeeping tables left out)."""
    with sqlite3.connect(database) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in tables
            if not table.startswith(("django_", "sqlite_", "auth_permission"))
        }


def _applied(database: Path, apps: tuple[str, ...]) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        marks = ", ".join("?" * len(apps))
        query = f"SELECT app, name FROM django_migrations WHERE app IN ({marks}) ORDER BY app, name"
        return connection.execute(query, apps).fetchall()


def test_a_database_made_before_the_kernel_migrates_and_keeps_its_data_and_audit_chains(old_checkout, tmp_path):
    data_dir = tmp_path / "data"
    database = data_dir / "plumbline.sqlite3"
    for command in (["migrate", "--no-input", "-v0"], ["load_demo"]):
        done = _plumbline(old_checkout, data_dir, *command)
        assert done.returncode == 0, done.stderr[-3000:]
    before = _rows(database)
    kernel_migrations = _applied(database, ("audit", "accounts", "platform"))
    assert before["audit_auditevent"] > 0 and before["projects_project"] == 1

    migrated = _plumbline(ROOT, data_dir, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr[-3000:]

    # the kernel's apps kept their labels: their applied migrations are today's (none ran again)
    assert set(kernel_migrations) <= set(_applied(database, ("audit", "accounts", "platform")))
    after = _rows(database)
    assert {table: after.get(table) for table in before} == before
    verified = _plumbline(ROOT, data_dir, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr[-3000:]
    # the command speaks the default language, Chinese
    assert "全部 2 条审计链均完好。" in verified.stdout, verified.stdout
    one = _plumbline(ROOT, data_dir, "audit", "verify", "--project", "GZ-2026-001")
    assert one.returncode == 0 and "全部 1 条审计链均完好。" in one.stdout, one.stdout + one.stderr[-3000:]
    unchanged = _plumbline(ROOT, data_dir, "makemigrations", "--check", "--dry-run")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr[-3000:]
