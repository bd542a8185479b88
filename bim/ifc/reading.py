"""Opening an uploaded IFC file, with a readable reason for every file that cannot be used."""

import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import ifcopenshell
import ifcopenshell.ifcopenshell_wrapper as wrapper

from .failures import READ_ERRORS

SUPPORTED_SCHEMAS = ("IFC2X3", "IFC4", "IFC4X3")
# An IFC deflates to about a sixth of its size (a tenth at most, on repetitive models); a ZIP that
# unpacks to more than this many times its own size is not a model but a ZIP bomb.
MAX_UNPACK_RATIO = 100


class IfcReadError(Exception):
    """The file cannot be ingested: `code` says why (READ_ERRORS), `params` fill its message; the
    exception's text is the message in English."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, {k: str(v) for k, v in params.items()}
        super().__init__(READ_ERRORS[code] % self.params)


def _copy_at_most(src, out, limit: int) -> None:
    copied = 0
    while chunk := src.read(1024 * 1024):
        copied += len(chunk)
        if copied > limit:
            raise IfcReadError("unpacks_too_large", limit=_size(limit))
        out.write(chunk)


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@contextmanager
def unpacked(path: str | Path, max_bytes: int | None = None):
    """Yield the path of a plain .ifc file: the file itself, or the .ifc inside an .ifczip,
    unpacked to at most `max_bytes` (and MAX_UNPACK_RATIO times the archive's size)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise IfcReadError("empty")
    if head != b"PK\x03\x04":
        yield path
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise IfcReadError("bad_zip") from None
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".ifc") and not m.is_dir()]
        if not members:
            raise IfcReadError("zip_without_ifc")
        limit = MAX_UNPACK_RATIO * max(path.stat().st_size, 1)
        if max_bytes is not None:
            limit = min(limit, max_bytes)
        if members[0].file_size > limit:  # what the archive says; the copy checks what it really holds
            raise IfcReadError("would_unpack_too_large", size=_size(members[0].file_size), limit=_size(limit))
        fd, tmp = tempfile.mkstemp(suffix=".ifc", prefix=f"plumbline-ifczip-p{os.getpid()}-")
        try:
            with os.fdopen(fd, "wb") as out, archive.open(members[0]) as src:
                _copy_at_most(src, out, limit)
        except IfcReadError:
            os.unlink(tmp)
            raise
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            os.unlink(tmp)
            raise IfcReadError("zip_unreadable", error=exc) from None
        try:
            yield Path(tmp)
        finally:
            os.unlink(tmp)


def header_schema(path: Path) -> str:
    """The schema named in the STEP header, checked before ifcopenshell parses the whole file."""
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if not head.lstrip().startswith(b"ISO-10303-21;"):
        raise IfcReadError("not_ifc")
    marker = head.find(b"FILE_SCHEMA")
    if marker < 0:
        raise IfcReadError("no_schema")
    start, end = head.find(b"'", marker), -1
    if start >= 0:
        end = head.find(b"'", start + 1)
    if start < 0 or end < 0:
        raise IfcReadError("schema_unreadable")
    return head[start + 1 : end].decode("ascii", "replace").strip().upper()


def is_truncated(path: Path) -> bool:
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - 512))
        tail = f.read()
    return b"END-ISO-10303-21;" not in tail


LOGGED = re.compile(r"^\[(\w+)\] (?:\[(?!\d{4}-)[^\]]*\] )?(?:\[[^\]]*\] )?(.*)$")
ATTRIBUTE_COUNT = re.compile(r"Expected \d+ attribute values, found \d+ for instance")
UNKNOWN_ENTITY = re.compile(r"Entity with name '(\w+)' not found in schema")


def logged_errors() -> list[str]:
    """The problems ifcopenshell logged since it was last asked (asking empties its log): on
    parsing, one per entity or reference it could not read, or read with the wrong number of
    attributes."""
    found = []
    for line in ifcopenshell.get_log().splitlines():
        match = LOGGED.match(line.strip())
        if match and (match.group(1).lower() == "error" or ATTRIBUTE_COUNT.search(match.group(2))):
            found.append(match.group(2))
    return found


def _schema_defining(names: set[str], header: str) -> str | None:
    """The other supported schema that defines every one of these entity names, if one does."""
    family = "IFC4X3" if header.startswith("IFC4X3") else header[:6]  # IFC2X3, IFC4, IFC4X3
    for schema in ("IFC4", "IFC4X3_ADD2", "IFC2X3"):
        if schema.split("_")[0] == family:
            continue
        try:
            declarations = wrapper.schema_by_name(schema)
        except Exception:
            continue
        known = 0
        for name in names:
            try:
                declarations.declaration_by_name(name)
                known += 1
            except Exception:
                break
        if known == len(names):
            return schema.split("_")[0]
    return None


def _check_schema_matches(problems: list[str], header: str, count: int) -> None:
    """Raise when the file's entities are of another schema than its header names: read under
    the wrong one, every attribute would be taken for another."""
    unknown = {m.group(1) for line in problems if (m := UNKNOWN_ENTITY.search(line))}
    miscounted = sum(1 for line in problems if ATTRIBUTE_COUNT.search(line))
    other = _schema_defining(unknown, header) if unknown else None
    if other is not None:
        shown = ", ".join(sorted(unknown)[:3])
        raise IfcReadError("wrong_schema_entities", header=header, other=other, shown=shown)
    if miscounted >= 10 and miscounted * 10 >= count:
        raise IfcReadError("wrong_schema_attributes", header=header, miscounted=miscounted, count=count)


STRING = re.compile(rb"'(?:[^']|'')*'")
STATEMENT_END = re.compile(rb"'(?:[^']|'')*'|;")  # a ';' inside a string is text
ENTITY = re.compile(rb"#\d+\s*=\s*[A-Za-z0-9_]*\s*\(.*\)", re.S)


def syntax_error_line(path: Path) -> tuple[int, str] | None:
    """The line where the first statement of the DATA section that is not an entity instance
    starts, and its beginning: where the parser's "syntax error" is."""
    text = path.read_bytes()
    start = text.find(b"DATA;")
    if start < 0:
        return None
    at = start + len(b"DATA;")
    for token in STATEMENT_END.finditer(text, at):
        if token.group() != b";":
            continue
        statement = text[at : token.start()]
        stripped = statement.strip()
        if stripped == b"ENDSEC":
            return None
        bare = STRING.sub(b"''", stripped)
        if stripped and (not ENTITY.fullmatch(bare) or bare.count(b"(") != bare.count(b")")):
            offset = at + len(statement) - len(statement.lstrip())
            return text.count(b"\n", 0, offset) + 1, stripped[:80].decode("utf-8", "replace")
        at = token.end()
    return None


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
        raise IfcReadError("schema_not_supported", schema=schema)
    if is_truncated(path):
        raise IfcReadError("truncated")
    logged_errors()  # what earlier reads in this process left in the log is not this file's
    try:
        model = ifcopenshell.open(str(path))
    except ifcopenshell.SchemaError as exc:
        raise IfcReadError("schema_not_readable", error=exc) from None
    except (ifcopenshell.Error, RuntimeError, OSError, ValueError) as exc:
        logged_errors()
        at = syntax_error_line(path) if "syntax" in str(exc).lower() else None
        if at is not None:
            raise IfcReadError("syntax_error", line=at[0], text=repr(at[1])) from None
        raise IfcReadError("unparsable", error=exc) from None
    found = logged_errors()
    _check_schema_matches(found, schema, sum(1 for _ in model) if found else 0)
    if problems is not None:
        problems.extend(found)
    return model
