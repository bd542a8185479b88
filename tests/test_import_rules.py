"""Who may import whom (ARCHITECTURE.md), read from the code's imports with ast: every `import`
and `from`, also inside functions. The kernel (plumbline.core) imports no app; apps import of
`plumbline` only the kernel; each app imports only the apps of the floors below it and never their
api, schemas or pages; bim/ifc/ and storage/ take and return plain values (no Django models).
Migrations are history and are not read."""

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KERNEL, SITE = "plumbline.core", "plumbline"
# From the ground up: a module may import what stands on a lower floor (and its own part).
FLOORS = {
    "storage": 0,
    KERNEL: 0,
    "projects": 1,
    "signage": 2,
    "bim": 2,
    "inspections": 3,
    "acceptance": 4,
    "insurance": 5,
    "supervision": 6,
    "archive": 7,
    SITE: 8,  # settings, urls, the NinjaAPI and routers, the Celery app, the command, load_demo
}
APPS = [name for name in FLOORS if name not in ("storage", KERNEL, SITE)]
PLAIN_VALUES = ("bim.ifc", "storage")  # pure code: plain values in, plain values out
PRIVATE = ("api", "schemas", "pages")  # an app's own faces; only the site mounts them
KERNEL_RULE = "the kernel imports no app and not the site"
SITE_RULE = "apps import only the kernel of plumbline, never the site"
FLOOR_RULE = "an app imports only the apps of the floors below it"
PLAIN_RULE = "bim/ifc and storage take and return plain values: no apps, no Django models"
PRIVATE_RULE = "another app's api, schemas and pages are its own"


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    target: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}: {self.rule}"


def module_of(path: str) -> str:
    """`platform/plumbline/core/errors.py` -> `plumbline.core.errors`."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[0] == "platform":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def owner_of(module: str) -> str | None:
    """The part a module belongs to: the longest name of FLOORS it is or starts with."""
    found = [name for name in FLOORS if module == name or module.startswith(name + ".")]
    return max(found, key=len, default=None)


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def imports_of(path: str, source: str) -> Iterator[tuple[int, str]]:
    """(line, module) for each import; `from bim import api` yields `bim` and `bim.api`."""
    module = module_of(path)
    package = module if Path(path).name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def _rule_broken(module: str, owner: str, target: str) -> str | None:
    target_owner = owner_of(target)
    plain = next((p for p in PLAIN_VALUES if _is_within(module, p)), None)
    if plain is not None:
        is_models = _is_within(target, "django.db") or target.endswith(".models")
        if is_models or (target_owner is not None and not _is_within(target, plain)):
            return PLAIN_RULE
        return None
    if target_owner is None or target_owner == owner:
        return None
    if owner == KERNEL:
        return KERNEL_RULE if target_owner != "storage" else None
    if target_owner == SITE and owner != SITE:
        return SITE_RULE
    if FLOORS[target_owner] >= FLOORS[owner]:
        return FLOOR_RULE
    if owner != SITE and target_owner in APPS and target.split(".")[1:2] and target.split(".")[1] in PRIVATE:
        return PRIVATE_RULE
    return None


def violations(files: Iterable[tuple[str, str]]) -> list[Violation]:
    """The broken rules in (path from the repository root, source) pairs."""
    found = []
    for path, source in files:
        module = module_of(path)
        owner = owner_of(module)
        if owner is None:
            continue
        seen = set()
        for line, target in imports_of(path, source):
            rule = _rule_broken(module, owner, target)
            # `from a.b import c, d` is one import, however many of its names break the rule
            if rule is not None and (line, rule) not in seen:
                seen.add((line, rule))
                found.append(Violation(path, line, target, rule))
    return found


def source_files() -> Iterator[tuple[str, str]]:
    for top in ["platform/plumbline", "storage", *APPS]:
        for file in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in file.parts:
                yield file.relative_to(ROOT).as_posix(), file.read_text(encoding="utf-8")


def test_each_part_imports_only_what_stands_below_it():
    assert [str(v) for v in violations(source_files())] == []


def test_every_app_with_code_is_read_by_the_rules():
    read = {owner_of(module_of(path)) for path, _ in source_files()}
    assert {"projects", "signage", "bim", "inspections", "acceptance", "archive"} <= read


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("platform/plumbline/core/errors.py", "from projects.queries import person_of\n", KERNEL_RULE),
        ("platform/plumbline/core/audit/log.py", "def f():\n    from plumbline.celery import app\n", KERNEL_RULE),
        ("platform/plumbline/core/audit/log.py", "from ..errors import NotFound\n", None),
        ("platform/plumbline/core/uploads.py", "from storage import get_storage\n", None),
        ("bim/actions.py", "from plumbline.celery import tasks_in_this_process\n", SITE_RULE),
        ("bim/actions.py", "from plumbline.core.audit.log import record_event\n", None),
        ("projects/queries.py", "from signage import queries\n", FLOOR_RULE),
        ("bim/actions.py", "from inspections.actions import open_finding\n", FLOOR_RULE),
        ("bim/actions.py", "import insurance.models\n", FLOOR_RULE),
        ("signage/actions.py", "from bim.queries import get_version\n", FLOOR_RULE),
        ("inspections/actions.py", "from bim import api\n", PRIVATE_RULE),
        ("inspections/actions.py", "from bim.schemas import VersionOut\n", PRIVATE_RULE),
        ("inspections/actions.py", "from bim.queries import get_version\n", None),
        ("bim/ifc/plan.py", "from bim.models import Element\n", PLAIN_RULE),
        ("bim/ifc/plan.py", "from django.db import models\n", PLAIN_RULE),
        ("bim/ifc/plan.py", "from .tracing import snap\n", None),
        ("storage/local.py", "from django.db import models\n", PLAIN_RULE),
        ("storage/local.py", "from plumbline.core.errors import NotFound\n", PLAIN_RULE),
        ("storage/local.py", "from .base import Storage\n", None),
        ("platform/plumbline/urls.py", "from bim import pages\n", None),
        ("archive/export.py", "from signage.queries import signs_for_archive\n", None),
        ("projects/archive.py", "from signage.queries import signs_for_archive\n", FLOOR_RULE),
        ("bim/bench.py", "import plumbline\n", SITE_RULE),
        # acceptance/materials stands on inspections, bim and projects, under archive and insurance
        ("acceptance/materials/actions.py", "from inspections.actions import open_finding\n", None),
        ("acceptance/materials/queries.py", "from bim.queries import follow_elements\n", None),
        ("acceptance/materials/actions.py", "from inspections.api import router\n", PRIVATE_RULE),
        ("acceptance/materials/pages.py", "from inspections.pages import plan_page\n", PRIVATE_RULE),
        ("acceptance/materials/queries.py", "from insurance.models import Claim\n", FLOOR_RULE),
        ("acceptance/materials/actions.py", "from archive.export import stream_archive\n", FLOOR_RULE),
        ("inspections/actions.py", "from acceptance.materials.queries import acceptance_blockers\n", FLOOR_RULE),
        ("bim/queries.py", "from acceptance.materials.models import BatchElement\n", FLOOR_RULE),
        ("archive/export.py", "from acceptance.materials import queries\n", None),
        ("acceptance/materials/api.py", "from plumbline.api import api\n", SITE_RULE),
        ("acceptance/queries.py", "from inspections.queries import open_findings_on\n", None),
        ("acceptance/actions.py", "from bim.queries import follow_elements\n", None),
        ("acceptance/actions.py", "from inspections.pages import plan_page\n", PRIVATE_RULE),
        ("acceptance/queries.py", "from insurance.queries import policies\n", FLOOR_RULE),
        ("acceptance/material_checks.py", "from acceptance.materials import queries\n", None),
        ("inspections/cards.py", "from acceptance.pages import element_lots_section\n", FLOOR_RULE),
        ("projects/queries.py", "from acceptance.queries import unit_project_accepted_on\n", FLOOR_RULE),
        ("insurance/queries.py", "from acceptance.queries import lots_covering\n", None),
        ("archive/export.py", "from acceptance import queries\n", None),
    ],
)
def test_the_rules_catch_a_wrong_import(path, source, rule):
    assert [v.rule for v in violations([(path, source)])] == ([rule] if rule else [])
