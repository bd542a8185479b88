"""The permission matrix's row type, shared by tests/projects/test_permission_matrix.py and the
apps' own rows in tests/<app>/permission_rows.py (a module-level list named ROWS), so that each app
states the status every persona gets from its endpoints next to its own tests."""

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Row:
    method: str
    path: str  # OpenAPI template
    ok: int
    allowed: set[str]
    body: object = None  # dict, or a function of (world, persona) -> dict
    params: object = None  # function of (world, persona) -> dict of path params
    multipart: object = None  # function of () -> dict of form fields and files
    outside: int = 404  # status for people outside the project
    overrides: dict = field(default_factory=dict)

    def expected(self, persona: str) -> int:
        if persona in self.overrides:
            return self.overrides[persona]
        if persona == "anonymous":
            return 401
        if persona in self.allowed:
            return self.ok
        if persona in ("auditor_sz", "outsider") and self.outside:
            return self.outside
        return 403


def project_row(method, path, ok, allowed, **kw):
    return Row(method, path, ok, set(allowed), **kw)


def rows_of_every_app() -> list[Row]:
    """The rows of every tests/<app>/permission_rows.py, in the order of the folders' names."""
    rows: list[Row] = []
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
        if info.ispkg and (here / info.name / "permission_rows.py").exists():
            rows += importlib.import_module(f"tests.{info.name}.permission_rows").ROWS
    return rows
