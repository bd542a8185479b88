"""buildingSMART's BCF XSDs (vendored under tests/data/bcf with their licence) as a validator of
whole .bcf packages: each part against the schema of its kind, every violation named."""

import io
import zipfile
from functools import cache
from pathlib import Path

import xmlschema

DATA = Path(__file__).resolve().parent.parent / "data" / "bcf"
CASES = sorted((DATA / "cases").glob("*/*.bcf*"))
PARTS = {
    "bcf.version": "version.xsd",
    "project.bcfp": "project.xsd",
    "extensions.xml": "extensions.xsd",
    "documents.xml": "documents.xsd",
}


@cache
def schema(version: str, name: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "xsd" / version / name))


def violations(data: bytes, version: str) -> list[str]:
    """Every part of the package that its official XSD rejects, with the reason; [] if valid."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            base = name.rsplit("/", 1)[-1]
            xsd = PARTS.get(name) or {"markup.bcf": "markup.xsd"}.get(base)
            if xsd is None and base.endswith(".bcfv"):
                xsd = "visinfo.xsd"
            if xsd is None:
                continue
            for error in schema(version, xsd).iter_errors(archive.read(name).decode("utf-8")):
                out.append(f"{name}: {error.reason} at {error.path}")
    return out
