"""The BIM app keeps its layers: the API's request and response shapes live in schemas.py, so
bim/api.py only routes, and the rules of what can be read live in queries.py."""

import ast
from pathlib import Path

import bim


def classes_defined_in(module: Path) -> list[str]:
    return [node.name for node in ast.walk(ast.parse(module.read_text())) if isinstance(node, ast.ClassDef)]


def test_the_bim_api_defines_no_schema_of_its_own():
    assert classes_defined_in(Path(bim.__file__).parent / "api.py") == []
