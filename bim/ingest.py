"""The ingest pipeline that the tasks run: fetch the stored file, read it with bim.ifc, write rows
in batches, and move the version on through bim.actions. Every step can be run again after a
crash and ends with exactly the right rows.

The one documented exception to "every write is an action": for speed this module writes the
rows a model is read into directly, without an audit event each. Storeys and spaces go in with
bulk_create, elements with one executemany INSERT (insert_rows), footprints with one executemany
UPDATE (write_footprints), assemblies' footprints with bulk_update; with them, in the same
transaction, the version's progress counters (progress_total, progress_done, progress_at: how
far a run got, not a state change). Every state change of a version or an IDS run (start_ingest,
finish_metadata, finish_chunk, finish_ingest, fail_ingest, finish_ids_run, fail_ids_run) is an
action in bim.actions, with its audit event."""

import gc
import logging
import math
import os
import re
import shutil
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import shapely
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, JSONField, Q, Sum
from django.utils import timezone

from storage import get_storage

from . import actions
from .ifc.diff import diff_versions
from .ifc.footprints import Footprint, compute_footprints, has_body, union_wkt
from .ifc.metadata import first_of_each, physical_elements, read_elements, read_tree
from .ifc.reading import IfcReadError, dangling_references, open_ifc, unpacked
from .models import Element, GeometryChunk, ModelVersion, Space, Storey, VersionStatus, version_warning

logger = logging.getLogger(__name__)
BATCH = 1000


@contextmanager
def local_copy(version: ModelVersion):
    """The version's file on local disk (ifcopenshell reads paths), removed afterwards. Its name
    holds this process's id, so a copy a killed process left behind is known (remove_orphaned_copies)."""
    fd, path = tempfile.mkstemp(
        prefix=f"plumbline-v{version.pk}-p{os.getpid()}-", suffix=Path(version.original_name).suffix
    )
    try:
        with os.fdopen(fd, "wb") as out, get_storage().open(version.file_key) as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        yield Path(path)
    finally:
        os.unlink(path)


ORPHAN = re.compile(r"^plumbline-(?:v\d+|ifczip)-p(\d+)-")


def remove_orphaned_copies() -> list[str]:
    """Remove the local copies (and unpacked .ifczip) that processes killed mid-ingest left in
    the temp folder: those whose process is gone. The names removed."""
    removed = []
    for entry in os.scandir(tempfile.gettempdir()):
        match = ORPHAN.match(entry.name)
        if not match or not entry.is_file():
            continue
        try:
            os.kill(int(match.group(1)), 0)
            continue  # its process still runs (here, or under this id on this machine)
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's live process
        try:
            os.unlink(entry.path)
            removed.append(entry.name)
        except FileNotFoundError:
            pass
    return removed


@contextmanager
def cycles_left_alone():
    """The cyclic garbage collector paused: reading a model allocates many objects and makes no
    cycles, yet each full collection walks every object the process holds (Django, the parsed
    model), which cost a tenth of the footprint phase of a small model. Cycles made meanwhile are
    collected once it resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_OPENED: dict = {}  # this worker process's last opened model: {(version id, sha256): ifcopenshell file}
_PARSE_PROBLEMS: dict = {}  # and what its parser could not read: {(version id, sha256): [log line]}


def opened_model(version: ModelVersion):
    """The version's parsed model, kept for the next task in this process: a worker that takes
    several footprint chunks of one version (or the metadata then the chunks) parses it once.
    One model at most is kept; it is dropped when its version finishes."""
    key = (version.pk, version.sha256)
    if key not in _OPENED:
        _OPENED.clear()  # free the previous model before parsing the next
        _PARSE_PROBLEMS.clear()
        problems: list[str] = []
        with local_copy(version) as path, unpacked(path, settings.MAX_UNPACKED_BYTES) as ifc_path:
            _OPENED[key] = open_ifc(ifc_path, problems)
        _PARSE_PROBLEMS[key] = problems
    return _OPENED[key]


def forget_model(version_id: int) -> None:
    for key in [k for k in _OPENED if k[0] == version_id]:
        del _OPENED[key]
        _PARSE_PROBLEMS.pop(key, None)


PARSE_LINES_SHOWN = 5  # of the entities the parser could not read, the first lines shown as warnings


def _reading_warnings(version: ModelVersion, tree, repeated_elements: list) -> list[dict]:
    """What the metadata read noticed: entities the parser could not read (a damaged file), and
    GlobalIds the file has more than once (merged models), of which the first was kept."""
    warnings = []
    problems = _PARSE_PROBLEMS.get((version.pk, version.sha256), [])
    if problems:
        warnings.append(version_warning("unparsed_entities", count=len(problems)))
        warnings += [version_warning("unparsed_entity", line=line[:300]) for line in problems[:PARSE_LINES_SHOWN]]
    kept_storeys = {s["global_id"]: s for s in tree.storeys}
    for storey in tree.repeated_storeys:
        kept = kept_storeys[storey["global_id"]]
        warnings.append(
            version_warning(
                "repeated_storey",
                global_id=storey["global_id"],
                ifc_class="IfcBuildingStorey",
                name=storey["name"],
                kept_name=kept["name"],
            )
        )
    for space in tree.repeated_spaces:
        warnings.append(
            version_warning("repeated_space", global_id=space["global_id"], ifc_class="IfcSpace", name=space["name"])
        )
    for element in repeated_elements:
        warnings.append(
            version_warning(
                "repeated_element", global_id=element.GlobalId, ifc_class=element.is_a(), name=element.Name or ""
            )
        )
    return warnings


def _material_names(materials: list[dict]) -> str:
    return "\n".join(sorted({m.get("name", "") for m in materials if m.get("name")}))


def run_metadata(version_id: int) -> None:
    removed = remove_orphaned_copies()
    if removed:
        logger.warning("removed %s local copies that killed ingests left behind: %s", len(removed), removed[:5])
    version = actions.start_ingest(version_id)
    if version is None:
        # Already read. If the worker died between committing that and sending the footprint
        # tasks, this redelivery sends the ones not done (they are idempotent).
        resend_pending_chunks(version_id)
        return
    try:
        with cycles_left_alone():
            _read_metadata(version)
    except actions.SupersededRun:
        logger.warning("version %s: a newer run of its metadata read owns it; this run stops", version_id)


@contextmanager
def _owned(version: ModelVersion):
    """One transaction of the metadata run's writes, with its progress. It rolls back, raising
    SupersededRun, when a newer run owns the version (this one was resumed as lost while slow):
    the newer run removed this one's earlier rows and writes its own."""
    with transaction.atomic():
        owned = ModelVersion.objects.filter(
            pk=version.pk, ingest_run=version.ingest_run, status=VersionStatus.PARSING
        ).update(progress_at=timezone.now())
        if not owned:
            raise actions.SupersededRun
        yield


def _read_metadata(version: ModelVersion) -> None:
    version_id = version.pk
    try:
        model = opened_model(version)  # kept for the footprint chunks this process may take next
        tree = read_tree(model)
        with _owned(version):
            storeys, spaces = _write_tree(version, tree)
        storey_ids = {s.global_id: s.pk for s in storeys}
        space_ids = {s.global_id: s.pk for s in spaces}
        elements, repeated_elements = first_of_each(physical_elements(model))
        warnings = _reading_warnings(version, tree, repeated_elements)

        def read_partly(element, exc):
            warnings.append(
                version_warning(
                    "element_read_partly",
                    global_id=element.GlobalId,
                    ifc_class=element.is_a(),
                    reason=f"{type(exc).__name__}: {exc}"[:300],
                )
            )

        ModelVersion.objects.filter(pk=version.pk, ingest_run=version.ingest_run).update(progress_total=len(elements))
        count, batch = 0, []
        for row in read_elements(model, elements, failed=read_partly):
            batch.append(
                {
                    "version_id": version.pk,
                    "global_id": row["global_id"],
                    "ifc_class": row["ifc_class"],
                    "predefined_type": row["predefined_type"][:64],
                    "name": row["name"][:255],
                    "type_name": row["type_name"][:255],
                    "storey_id": storey_ids.get(row["storey_global_id"]),
                    "space_id": space_ids.get(row["space_global_id"]),
                    "assembly_global_id": row["assembly_global_id"],
                    "materials": row["materials"],
                    "material_names": _material_names(row["materials"]),
                    "psets": row["psets"],
                    "qsets": row["qsets"],
                }
            )
            if len(batch) >= BATCH:
                count += _write_batch(version, batch)
                batch = []
        count += _write_batch(version, batch)
    except IfcReadError as exc:
        actions.fail_ingest(version_id, exc.code, exc.params, run=version.ingest_run)
        return
    if not count:
        warnings.append(version_warning("no_elements"))
    products = count + len(spaces)
    chunks = max(1, min(settings.BIM_GEOMETRY_MAX_CHUNKS, math.ceil(products / settings.BIM_GEOMETRY_CHUNK_SIZE)))
    actions.finish_metadata(
        version_id,
        run=version.ingest_run,
        schema=tree.schema,
        length_unit_scale=tree.length_unit_scale,
        chunks=chunks,
        counts={"elements": count, "spaces": len(spaces), "storeys": len(storeys)},
        warnings=warnings,
    )


def _write_tree(version: ModelVersion, tree) -> tuple[list, list]:
    storeys = Storey.objects.bulk_create(
        [
            Storey(
                version=version,
                global_id=s["global_id"],
                name=s["name"][:255],
                elevation=s["elevation"],
                building_global_id=s["building_global_id"],
            )
            for s in tree.storeys
        ]
    )
    storey_ids = {s.global_id: s.pk for s in storeys}
    spaces = Space.objects.bulk_create(
        [
            Space(
                version=version,
                global_id=s["global_id"],
                name=s["name"][:255],
                long_name=s["long_name"][:255],
                storey_id=storey_ids.get(s["storey_global_id"]),
                zones=s["zones"],
                psets=s["psets"],
                qsets=s["qsets"],
            )
            for s in tree.spaces
        ]
    )
    return storeys, spaces


def _write_batch(version: ModelVersion, batch: list[dict]) -> int:
    """One batch of elements and the progress they make, in one transaction of this run."""
    with _owned(version):
        insert_rows(Element, batch)
        ModelVersion.objects.filter(pk=version.pk).update(progress_done=F("progress_done") + len(batch))
    return len(batch)


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT rows given as {attname: value} (missing fields take their defaults) with one
    executemany: bulk_create's per-object, per-field preparation was a third of the metadata
    phase. JSON fields go through the database's own JSON adaptation."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    defaults = {f.attname: f.get_default() for f in fields if not isinstance(f, JSONField)}
    columns = [(f.attname, isinstance(f, JSONField), f) for f in fields]
    params = []
    for row in rows:
        values = []
        for name, is_json, field in columns:
            if is_json:
                values.append(field.get_db_prep_save(row[name] if name in row else field.get_default(), connection))
            else:
                values.append(row[name] if name in row else defaults[name])
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def chunk_global_ids(version: ModelVersion, index: int) -> tuple[list[str], list[str]]:
    """The elements and the spaces of one chunk: a contiguous slice of elements then spaces, in
    id order (only the slice is read, not every id of the version; the counts are the version's,
    written with its rows)."""
    elements, spaces = version.counts["elements"], version.counts["spaces"]
    total = elements + spaces
    size = math.ceil(total / max(1, version.geometry_chunks)) if total else 0
    start, end = index * size, min((index + 1) * size, total)
    element_ids, space_ids = [], []
    if start < elements:
        element_ids = list(
            version.elements.order_by("pk").values_list("global_id", flat=True)[start : min(end, elements)]
        )
    if end > elements:
        space_ids = list(
            version.spaces.order_by("pk").values_list("global_id", flat=True)[max(start - elements, 0) : end - elements]
        )
    return element_ids, space_ids


def resend_pending_chunks(version_id: int) -> None:
    from . import tasks

    version = ModelVersion.objects.get(pk=version_id)
    if version.status != VersionStatus.GEOMETRY:
        return
    for index in version.chunks.filter(is_done=False).values_list("index", flat=True):
        tasks.compute_footprints.delay(version.pk, index)
    if not version.chunks.filter(is_done=False).exists():
        finish(version)


def resume_stalled(stalled_after: timedelta, *, skip: set[int] = frozenset()) -> list[int]:
    """Send again the tasks of versions whose ingest has not moved on for `stalled_after`: their
    message was lost (a broker restarted without its queue, retries ran out while storage was
    down). A version that was only slow is not harmed: its metadata read stops at its next write
    when the resumed one starts (SupersededRun), and a footprint chunk computed twice writes the
    same rows and counts once. The quiet time should exceed the longest step (a footprint chunk at
    its per-element limit) so that work is seldom done twice. Versions in `skip` (a live worker is
    on them) are left alone; a resumed version counts as moving again, so a resent task waiting in
    the queue is not sent once more by the next sweep."""
    from . import tasks

    quiet_since = timezone.now() - stalled_after
    stalled = ModelVersion.objects.filter(
        status__in=[VersionStatus.UPLOADED, VersionStatus.PARSING, VersionStatus.GEOMETRY]
    ).filter(Q(progress_at__lt=quiet_since) | Q(progress_at__isnull=True, uploaded_at__lt=quiet_since))
    resumed = []
    for version_id, status in stalled.exclude(pk__in=skip).values_list("pk", "status"):
        logger.warning("resuming the ingest of version %s, quiet since before %s (%s)", version_id, quiet_since, status)
        if status == VersionStatus.GEOMETRY:
            resend_pending_chunks(version_id)
        else:
            tasks.ingest_model_version.delay(version_id)
        ModelVersion.objects.filter(pk=version_id, status=status).update(progress_at=timezone.now())
        resumed.append(version_id)
    return resumed


def run_geometry_chunk(version_id: int, index: int) -> None:
    version = ModelVersion.objects.get(pk=version_id)
    if version.status != VersionStatus.GEOMETRY:
        return
    if not version.chunks.filter(index=index, is_done=True).exists():
        compute_chunk(version, index)
    # the last chunk closes the version; a redelivered chunk closes it if a crash came in between
    if not version.chunks.filter(is_done=False).exists():
        finish(version)


def compute_chunk(version: ModelVersion, index: int) -> None:
    with cycles_left_alone():
        _compute_chunk(version, index)


def _compute_chunk(version: ModelVersion, index: int) -> None:
    version_id = version.pk
    started = time.perf_counter()
    element_ids, space_ids = chunk_global_ids(version, index)
    model = opened_model(version)
    products = [model.by_guid(g) for g in element_ids + space_ids]
    problems: list[dict] = []
    footprints = compute_footprints(
        model, products, seconds_per_element=settings.BIM_SECONDS_PER_ELEMENT, warnings=problems
    )
    results = list({fp.global_id: fp for fp in footprints}.values())
    spaces = set(space_ids)
    found = write_footprints(Element, version_id, [fp for fp in results if fp.global_id not in spaces])
    found += write_footprints(Space, version_id, [fp for fp in results if fp.global_id in spaces])
    outlined = {fp.global_id for fp in results}
    dangling = dangling_references(_PARSE_PROBLEMS.get((version.pk, version.sha256), []))
    bodies = [p.GlobalId for p in products if has_body(p, dangling)]
    actions.finish_chunk(
        version_id,
        index,
        footprints=found,
        seconds=time.perf_counter() - started,
        warnings=[
            version_warning(
                w["code"],
                global_id=w["global_id"],
                ifc_class=w["ifc_class"],
                reason=w["reason"],
                fallback=w["fallback"],
            )
            for w in problems
        ],
        bodies=len(bodies),
        bodies_without_geometry=sum(1 for g in bodies if g not in outlined),
    )


FOOTPRINT_FIELDS = ["footprint", "is_footprint_approximate", "z_min", "z_max", "min_x", "min_y", "max_x", "max_y"]


def write_footprints(model, version_id: int, footprints: list) -> int:
    """One UPDATE per row through executemany: Django's bulk_update builds a CASE per field
    whose size grows with the batch, which made this step quadratic."""
    if not footprints:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in FOOTPRINT_FIELDS)
    sql = f"UPDATE {table} SET {assignments} WHERE version_id = %s AND global_id = %s"
    rows = [(fp.wkt, fp.is_approximate, fp.z_min, fp.z_max, *fp.bounds, version_id, fp.global_id) for fp in footprints]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


def finish(version: ModelVersion) -> None:
    """The footprints are done: assemblies take their parts' outlines, the version is compared
    with the previous one, counted and closed. Each step's seconds are a phase of the version."""
    geometry_ended_at = timezone.now()
    forget_model(version.pk)
    started = time.perf_counter()
    finish_assemblies(version)
    assemblies_seconds = time.perf_counter() - started
    started = time.perf_counter()
    previous = (
        ModelVersion.objects.filter(model=version.model, status=VersionStatus.READY, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    changes = diff_versions(_comparable(previous), _comparable(version)).as_dict() if previous else {}
    diff_seconds = time.perf_counter() - started
    with_footprint = version.elements.exclude(footprint="").count()
    actions.finish_ingest(
        version.pk,
        previous=previous,
        diff=changes,
        warnings=_geometry_warnings(version.pk),
        counts={
            "elements_with_footprint": with_footprint,
            "elements_without_geometry": version.elements.count() - with_footprint,
            "spaces_with_footprint": version.spaces.exclude(footprint="").count(),
        },
        geometry_ended_at=geometry_ended_at,
        seconds={"assemblies": assemblies_seconds, "diff": diff_seconds},
    )


def finish_assemblies(version: ModelVersion) -> int:
    """Assemblies without a body of their own take the union of their parts' outlines and z
    ranges. One read of the version's parts grouped in memory, one executemany: a query per
    assembly made a model of a thousand assemblies 40% slower."""
    assemblies = set(
        version.elements.filter(footprint="", ifc_class__in=ASSEMBLY_CLASSES).values_list("global_id", flat=True)
    )
    if not assemblies:
        return 0
    parts = defaultdict(list)
    rows = (
        version.elements.exclude(assembly_global_id="")
        .exclude(footprint="")
        .values_list("assembly_global_id", "footprint", "z_min", "z_max", "is_footprint_approximate")
    )
    for assembly_id, *part in rows.iterator(chunk_size=BATCH):
        if assembly_id in assemblies:
            parts[assembly_id].append(part)
    footprints = []
    for global_id, members in parts.items():
        outline = union_wkt([wkt for wkt, *_ in members])
        if not outline:
            continue
        bottoms = [z for _, z, _, _ in members if z is not None]
        tops = [z for _, _, z, _ in members if z is not None]
        footprints.append(
            Footprint(
                global_id=global_id,
                wkt=outline,
                z_min=min(bottoms, default=None),
                z_max=max(tops, default=None),
                bounds=shapely.from_wkt(outline).bounds,
                is_approximate=any(approximate for *_, approximate in members),
            )
        )
    return write_footprints(Element, version.pk, footprints)


def _geometry_warnings(version_id: int) -> list[dict]:
    """A warning when more of the products that have a body came out without geometry than
    BIM_MISSING_GEOMETRY_PERCENT allows: a file damaged or cut short parses, less its geometry."""
    found = GeometryChunk.objects.filter(version_id=version_id).aggregate(
        total=Sum("bodies"), missing=Sum("bodies_without_geometry")
    )
    total, missing = found["total"] or 0, found["missing"] or 0
    if not total or missing * 100 <= total * settings.BIM_MISSING_GEOMETRY_PERCENT:
        return []
    return [version_warning("missing_geometry", missing=missing, total=total, percent=round(100 * missing / total))]


def _comparable(version: ModelVersion) -> dict[str, dict]:
    rows = version.elements.select_related("storey").values(
        "global_id",
        "ifc_class",
        "name",
        "type_name",
        "materials",
        "psets",
        "footprint",
        "z_min",
        "z_max",
        "storey__name",
        "storey__elevation",
    )
    return {
        row["global_id"]: {
            **{
                k: row[k]
                for k in ("ifc_class", "name", "type_name", "materials", "psets", "footprint", "z_min", "z_max")
            },
            # storeys may get new GlobalIds on re-export too: compare them by name and elevation
            "storey": f"{row['storey__name']}@{row['storey__elevation'] or 0:.2f}",
        }
        for row in rows
    }


ASSEMBLY_CLASSES = ["IfcElementAssembly", "IfcBuildingElementPart", "IfcCurtainWall", "IfcStair", "IfcRamp", "IfcRoof"]


def run_ids_check(run_id: int) -> None:
    from .ifc.ids_check import IdsError, check
    from .models import IdsRun, IdsRunStatus

    run = IdsRun.objects.select_related("version", "ids_file").get(pk=run_id)
    if run.status != IdsRunStatus.QUEUED:
        return
    with get_storage().open(run.ids_file.file_key) as handle:
        xml = handle.read().decode("utf-8-sig")
    try:
        with local_copy(run.version) as path, unpacked(path, settings.MAX_UNPACKED_BYTES) as ifc_path:
            summary, results = check(xml, open_ifc(ifc_path))
    except (IdsError, IfcReadError) as exc:
        actions.fail_ids_run(run_id, exc.code, exc.params)
        return
    actions.finish_ids_run(run_id, summary=summary, results=results)
