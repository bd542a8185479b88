"""The inspections app keeps its layers: the API's request and response shapes live in
schemas.py, so inspections/api.py only routes."""

import ast
from pathlib import Path

import inspections


def test_the_inspections_api_defines_no_schema_of_its_own():
    tree = ast.parse((Path(inspections.__file__).parent / "api.py").read_text())
    assert [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)] == []
