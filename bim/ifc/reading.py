"""Opening an uploaded IFC file, with a readable reason for every file that cannot be used."""

import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import ifcopenshell

SUPPORTED_SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")


class IfcReadError(Exception):
    """The file cannot be ingested; the message says why, for the person who uploaded it."""


@contextmanager
def unpacked(path: str | Path):
    """Yield the path of a plain .ifc file: the file itself, or the .ifc inside an .ifczip."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise IfcReadError("The file is empty.")
    if head != b"PK\x03\x04":
        yield path
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise IfcReadError("The file looks like a ZIP archive but is damaged or truncated.") from None
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".ifc") and not m.is_dir()]
        if not members:
            raise IfcReadError("The ZIP file has no .ifc file inside (an .ifczip must contain one).")
        fd, tmp = tempfile.mkstemp(suffix=".ifc", prefix="plumbline-ifczip-")
        try:
            with os.fdopen(fd, "wb") as out, archive.open(members[0]) as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            os.unlink(tmp)
            raise IfcReadError(f"The .ifc inside the ZIP cannot be extracted ({exc}).") from None
        try:
            yield Path(tmp)
        finally:
            os.unlink(tmp)


def header_schema(path: Path) -> str:
    """The schema named in the STEP header, checked before ifcopenshell parses the whole file."""
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if not head.lstrip().startswith(b"ISO-10303-21;"):
        raise IfcReadError("This is not an IFC file: it does not start with the STEP header ISO-10303-21.")
    marker = head.find(b"FILE_SCHEMA")
    if marker < 0:
        raise IfcReadError("The IFC header names no schema (FILE_SCHEMA is missing).")
    start, end = head.find(b"'", marker), -1
    if start >= 0:
        end = head.find(b"'", start + 1)
    if start < 0 or end < 0:
        raise IfcReadError("The IFC header's FILE_SCHEMA is unreadable.")
    return head[start + 1 : end].decode("ascii", "replace").strip().upper()


def is_truncated(path: Path) -> bool:
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - 512))
        tail = f.read()
    return b"END-ISO-10303-21;" not in tail


LOGGED = re.compile(r"^\[(\w+)\] (?:\[[^\]]*\] )?(.*)$")


def logged_errors() -> list[str]:
    """The errors ifcopenshell logged since it was last asked (asking empties its log): on
    parsing, one per entity or reference it could not read."""
    found = []
    for line in ifcopenshell.get_log().splitlines():
        match = LOGGED.match(line.strip())
        if match and match.group(1).lower() == "error":
            found.append(match.group(2))
    return found


DANGLING = re.compile(r"Instance reference #\d+ used by instance #(\d+) at attribute index (\d+) not found")


def dangling_references(problems: list[str]) -> set[tuple[int, int]]:
    """(instance id, attribute index) of each reference to an entity the file lacks, from the
    parser's log lines: what a file cut short lost."""
    found = set()
    for line in problems:
        match = DANGLING.search(line)
        if match:
            found.add((int(match.group(1)), int(match.group(2))))
    return found


def open_ifc(path: str | Path, problems: list | None = None) -> ifcopenshell.file:
    """Parse a plain .ifc file, or raise IfcReadError saying why it cannot be used. What the
    parser could not read in a file it opened (a damaged file parses, less what is damaged) is
    appended to `problems`, one line each."""
    path = Path(path)
    schema = header_schema(path)
    if not schema.startswith(SUPPORTED_SCHEMAS) or schema.startswith("IFC4X3_RC"):
        raise IfcReadError(f"The file's schema {schema} is not supported: export it as IFC2X3, IFC4 or IFC4X3 (ADD2).")
    if is_truncated(path):
        raise IfcReadError("The file is truncated: it stops before END-ISO-10303-21 (was the upload interrupted?).")
    logged_errors()  # what earlier reads in this process left in the log is not this file's
    try:
        model = ifcopenshell.open(str(path))
    except ifcopenshell.SchemaError as exc:
        raise IfcReadError(f"The file's schema is not supported by the IFC reader ({exc}).") from None
    except (RuntimeError, OSError, ValueError) as exc:
        raise IfcReadError(f"The IFC file cannot be parsed: {exc}.") from None
    found = logged_errors()
    if problems is not None:
        problems.extend(found)
    return model
