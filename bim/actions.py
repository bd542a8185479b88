"""Every state change of models and versions. Uploads come from users; the ingest steps come from
the tasks (actor None: the platform itself) and move a version through its statuses."""

import io
from datetime import datetime
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from plumbline.core.audit.log import record_event
from plumbline.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PayloadTooLarge
from plumbline.core.limits import require_fits
from plumbline.core.uploads import human_size
from projects.models import Project
from projects.queries import authorize
from storage import get_storage

from .ifc.failures import failure_text
from .models import (
    INGEST_PHASES,
    VERSION_MOVES,
    WARNINGS_KEPT,
    Discipline,
    GeometryChunk,
    GlobalIdRemap,
    IdsFile,
    IdsResult,
    IdsRun,
    IdsRunStatus,
    IfcModel,
    ModelVersion,
    VersionStatus,
    failure_message,
)
from .signals import version_ready

IFC_SUFFIXES = (".ifc", ".ifczip")


def upload_model_version(
    project: Project,
    *,
    stream: BinaryIO,
    original_name: str,
    model_name: str = "",
    discipline: str = Discipline.ARCHITECTURE,
    size: int | None = None,
    actor,
) -> tuple[ModelVersion, bool]:
    """Store an uploaded .ifc/.ifczip under its sha256, add a version row and queue its ingest.

    The same bytes uploaded again to the same model return its existing version (created=False),
    unless that version failed: then the upload retries it as a new version (the failed one is
    kept). The same bytes uploaded to another model make a version of that model. Whether the file
    is a usable IFC model is the ingest's question: a bad file ends as a `failed` version with a
    reason, and the file is kept.
    """
    from . import tasks

    started = timezone.now()  # the upload phase runs from here to the version row's uploaded_at
    authorize(actor, project, "model.upload")
    if not (original_name or "").lower().endswith(IFC_SUFFIXES):
        raise InvalidInput(gettext("Upload an IFC model: a .ifc or .ifczip file."), field="file")
    if discipline not in Discipline.values:
        raise InvalidInput(
            gettext("%(value)s is not a discipline: use one of %(choices)s.")
            % {"value": repr(discipline), "choices": ", ".join(Discipline.values)},
            field="discipline",
        )
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            gettext("The model is %(size)s, over the limit of %(limit)s.")
            % {"size": human_size(size), "limit": human_size(settings.MAX_UPLOAD_BYTES)}
        )
    limit = IfcModel._meta.get_field("name").max_length
    model_name = require_fits((model_name or "").strip(), field="model_name", limit=limit, label=gettext("Model name"))
    model_name = model_name or original_name.rsplit(".", 1)[0][:limit]  # a file name is not typed: it may be cut
    stored = get_storage().put(stream, content_type="application/x-step")
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()  # one upload at a time decides "same bytes"
        same_bytes = (
            ModelVersion.objects.select_related("model")
            .filter(model__project=project, model__name=model_name, sha256=stored.sha256)
            .order_by("-number")
            .first()
        )
        if same_bytes is not None and same_bytes.status != VersionStatus.FAILED:
            return same_bytes, False
        ifc_model, _ = IfcModel.objects.get_or_create(
            project=project, name=model_name, defaults={"discipline": discipline}
        )
        revived = ifc_model.retired_at
        if revived is not None:  # a new upload under a retired model's name brings it back
            ifc_model.retired_at = None
            ifc_model.save(update_fields=["retired_at"])
        number = (ifc_model.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ModelVersion.objects.create(
            model=ifc_model,
            number=number,
            file_key=stored.key,
            sha256=stored.sha256,
            size=stored.size,
            original_name=(original_name or "")[:255],
            uploaded_by=actor,
        )
        version.seconds = {"upload": round((version.uploaded_at - started).total_seconds(), 3)}
        version.save(update_fields=["seconds"])
        too_large = stored.size > settings.MAX_UPLOAD_BYTES
        changes = {
            "model": [None, ifc_model.name],
            "number": [None, number],
            "sha256": [None, stored.sha256],
            "size": [None, stored.size],
        }
        if same_bytes is not None:
            changes["retry_of"] = [None, same_bytes.number]
        if revived is not None:
            changes["retired_at"] = [revived, None]
        record_event("model_version.uploaded", actor=actor, project=project, target=version, changes=changes)
        if not too_large:
            transaction.on_commit(lambda: tasks.ingest_model_version.delay(version.pk))
    if too_large:
        fail_ingest(
            version.pk, "too_large", {"size": human_size(stored.size), "limit": human_size(settings.MAX_UPLOAD_BYTES)}
        )
        version.refresh_from_db()
    return version, True


def retire_model(project: Project, model_id: int, *, actor) -> IfcModel:
    """Take a model whose every version failed (a junk upload, a file of another format) out of
    the model list. Nothing is deleted: its failed versions and their files stay on record, as
    every upload does; an upload under its name brings it back."""
    authorize(actor, project, "model.retire")
    with transaction.atomic():
        ifc_model = IfcModel.objects.select_for_update().filter(project=project, pk=model_id).first()
        if ifc_model is None or ifc_model.retired_at is not None:
            raise NotFound(gettext("No model %(id)s in project %(code)s.") % {"id": model_id, "code": project.code})
        statuses = set(ifc_model.versions.values_list("status", flat=True))
        if statuses - {VersionStatus.FAILED}:
            raise Conflict(
                gettext("Only a model whose every version failed can be retired; %(model)s has a version to read.")
                % {"model": ifc_model.name},
                code="model_has_versions",
            )
        ifc_model.retired_at = timezone.now()
        ifc_model.save(update_fields=["retired_at"])
        record_event(
            "model.retired",
            actor=actor,
            project=project,
            target=ifc_model,
            changes={"retired_at": [None, ifc_model.retired_at], "failed_versions": [None, ifc_model.versions.count()]},
        )
    return ifc_model


def _move(version: ModelVersion, status: str) -> dict:
    if status not in VERSION_MOVES[version.status]:
        raise InvalidTransition(
            gettext("A version that is %(status)s cannot become %(target)s.")
            % {"status": version.status, "target": status},
            allowed=list(VERSION_MOVES[version.status]),
        )
    change = {"status": [version.status, status]}
    version.status = status
    return change


def _since_last_phase(version: ModelVersion, now: datetime) -> float:
    """Seconds from the end of the version's last recorded ingest phase (the upload ends when its
    row is written) to `now`."""
    done = sum(version.seconds.get(phase, 0) for phase in INGEST_PHASES[1:])
    return round(max(0.0, (now - version.uploaded_at).total_seconds() - done), 3)


def _add_warnings(version: ModelVersion, warnings) -> list[str]:
    """Add warnings to a version (the first WARNINGS_KEPT kept, all counted); the fields changed."""
    warnings = list(warnings or ())
    if not warnings:
        return []
    version.warning_count += len(warnings)
    version.warnings = (version.warnings + warnings)[:WARNINGS_KEPT]
    return ["warnings", "warning_count"]


class SupersededRun(Exception):
    """The metadata read was started again (its task was thought lost) while this run went on:
    the newer run owns the version, and this one stops without writing."""


def start_ingest(version_id: int) -> ModelVersion | None:
    """Begin (or, after a crash, restart) reading a version; None when it needs no more work.
    The version's `ingest_run` is this run's: the writes of any older run still going fail."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().select_related("model__project").get(pk=version_id)
        if version.status not in (VersionStatus.UPLOADED, VersionStatus.PARSING):
            return None
        changes = _move(version, VersionStatus.PARSING)
        version.phase, version.progress_done, version.progress_total = "metadata", 0, 0
        version.progress_at = timezone.now()
        version.ingest_run += 1
        # waiting for a worker, and any earlier run that did not finish, count as queued
        queued = round((version.progress_at - version.uploaded_at).total_seconds(), 3)
        version.seconds = {"upload": version.seconds.get("upload", 0), "queued": max(0.0, queued)}
        version.warnings, version.warning_count = [], 0
        version.save(
            update_fields=[
                "status",
                "phase",
                "progress_done",
                "progress_total",
                "progress_at",
                "ingest_run",
                "warnings",
                "warning_count",
                "seconds",
            ]
        )
        # a crashed earlier run may have left some rows: start from none
        version.elements.all().delete()
        version.spaces.all().delete()
        version.storeys.all().delete()
        version.chunks.all().delete()
        if changes["status"][0] != changes["status"][1]:
            record_event(
                "model_version.parsing", actor=None, project=version.model.project, target=version, changes=changes
            )
    return version


def finish_metadata(
    version_id: int,
    *,
    run: int,
    schema: str,
    length_unit_scale: float,
    chunks: int,
    counts: dict,
    warnings: list | None = None,
) -> ModelVersion:
    """The version's elements are browsable; queue its footprint chunks."""
    from . import tasks

    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().select_related("model__project").get(pk=version_id)
        if version.ingest_run != run or version.status != VersionStatus.PARSING:
            raise SupersededRun
        changes = _move(version, VersionStatus.GEOMETRY)
        version.schema, version.length_unit_scale, version.counts = schema, length_unit_scale, counts
        version.phase, version.progress_done, version.progress_total = "geometry", 0, chunks
        version.geometry_chunks = chunks
        version.progress_at = timezone.now()
        version.seconds = {**version.seconds, "metadata": _since_last_phase(version, version.progress_at)}
        _add_warnings(version, warnings)
        version.save()
        GeometryChunk.objects.bulk_create([GeometryChunk(version=version, index=i) for i in range(chunks)])
        record_event(
            "model_version.elements_read",
            actor=None,
            project=version.model.project,
            target=version,
            changes={
                **changes,
                "schema": [None, schema],
                "counts": [None, counts],
                "warning_count": [0, version.warning_count],
            },
        )
        for index in range(chunks):
            transaction.on_commit(lambda i=index: tasks.compute_footprints.delay(version.pk, i))
    return version


def finish_chunk(
    version_id: int,
    index: int,
    *,
    footprints: int,
    seconds: float,
    warnings: list | None = None,
    bodies: int = 0,
    bodies_without_geometry: int = 0,
) -> ModelVersion:
    """Count a chunk done, once, with its warnings and how many of its products with a body came
    out without geometry."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version_id)
        chunk = GeometryChunk.objects.select_for_update().get(version=version, index=index)
        if chunk.is_done:
            return version
        chunk.is_done, chunk.footprints, chunk.seconds = True, footprints, seconds
        chunk.bodies, chunk.bodies_without_geometry = bodies, bodies_without_geometry
        chunk.save(update_fields=["is_done", "footprints", "seconds", "bodies", "bodies_without_geometry"])
        version.progress_done += 1
        version.progress_at = timezone.now()
        version.save(update_fields=["progress_done", "progress_at", *_add_warnings(version, warnings)])
        return version


def finish_ingest(
    version_id: int,
    *,
    counts: dict,
    previous: ModelVersion | None = None,
    diff: dict | None = None,
    warnings: list | None = None,
    geometry_ended_at: datetime | None = None,
    seconds: dict | None = None,
) -> ModelVersion:
    """Close a version as ready. `geometry_ended_at` is when its last footprint chunk was done,
    `seconds` the phases run since then (assemblies, diff); the rest until now is "finish"."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().select_related("model__project").get(pk=version_id)
        if version.status == VersionStatus.READY:
            return version
        changes = _move(version, VersionStatus.READY)
        chunk_seconds = [c.seconds for c in version.chunks.all()]
        version.counts = {**version.counts, **counts}
        version.previous, version.diff = previous, diff or {}
        _add_warnings(version, warnings)
        record_event(
            "model_version.ready",
            actor=None,
            project=version.model.project,
            target=version,
            changes={
                **changes,
                "counts": [None, version.counts],
                "diff": [None, (diff or {}).get("counts")],
                "warning_count": [None, version.warning_count],
            },
        )
        now = timezone.now()  # after the audit event, so that its time is part of "finish"
        version.seconds = {**version.seconds, "geometry": _since_last_phase(version, geometry_ended_at or now)}
        version.seconds.update({phase: round(value, 3) for phase, value in (seconds or {}).items()})
        version.seconds["finish"] = _since_last_phase(version, now)
        version.seconds.update(
            {
                "total": round(sum(version.seconds.get(phase, 0) for phase in INGEST_PHASES), 3),
                "geometry_work": round(sum(chunk_seconds), 3),
                "geometry_longest_chunk": round(max(chunk_seconds, default=0), 3),
            }
        )
        version.phase, version.finished_at = "", now
        version.save()
        project_id = version.model.project_id
        transaction.on_commit(
            lambda: version_ready.send(sender=ModelVersion, version_id=version.pk, project_id=project_id)
        )
    return version


def fail_ingest(version_id: int, code: str, params: dict | None = None, *, run: int | None = None) -> ModelVersion:
    """End a version as failed with a reason a person understands (a code of bim.ifc.failures and
    its parameters, shown translated; the English kept beside them); its file is kept. With `run`,
    only if that metadata run still owns the version."""
    params = {k: str(v) for k, v in (params or {}).items()}
    reason = failure_text(code, params)
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().select_related("model__project").get(pk=version_id)
        if run is not None and version.ingest_run != run:
            raise SupersededRun
        if version.status in (VersionStatus.READY, VersionStatus.FAILED):
            return version
        changes = _move(version, VersionStatus.FAILED)
        version.failure_reason, version.phase, version.finished_at = reason, "", timezone.now()
        version.failure_code, version.failure_params = code, params
        version.save(
            update_fields=["status", "failure_reason", "failure_code", "failure_params", "phase", "finished_at"]
        )
        record_event(
            "model_version.failed",
            actor=None,
            project=version.model.project,
            target=version,
            changes={**changes, "reason": [None, reason]},
        )
    return version


def accept_remap(project: Project, *, version_id: int, old_global_id: str, new_global_id: str, actor) -> GlobalIdRemap:
    """Accept that `old_global_id` of the previous version is `new_global_id` in this one."""
    authorize(actor, project, "model.upload")
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().filter(pk=version_id, model__project=project).first()
        if version is None:
            raise NotFound(
                gettext("No model version %(id)s in project %(code)s.") % {"id": version_id, "code": project.code}
            )
        diff = version.diff or {}
        if old_global_id not in diff.get("removed", []):
            raise InvalidInput(
                gettext("%(global_id)s is not an element that disappeared in this version.")
                % {"global_id": old_global_id},
                field="old_global_id",
            )
        if new_global_id not in diff.get("added", []):
            raise InvalidInput(
                gettext("%(global_id)s is not an element that is new in this version.") % {"global_id": new_global_id},
                field="new_global_id",
            )
        if GlobalIdRemap.objects.filter(version=version, old_global_id=old_global_id).exists() or (
            GlobalIdRemap.objects.filter(version=version, new_global_id=new_global_id).exists()
        ):
            raise Conflict(
                gettext("One of these elements is already remapped in this version."), code="already_remapped"
            )
        remap = GlobalIdRemap.objects.create(
            version=version, old_global_id=old_global_id, new_global_id=new_global_id, accepted_by=actor
        )
        record_event(
            "model_version.remap_accepted",
            actor=actor,
            project=project,
            target=version,
            changes={"global_id": [old_global_id, new_global_id]},
        )
    return remap


IDS_MAX_BYTES = 5 * 1024 * 1024


def upload_ids(project: Project, *, stream: BinaryIO, original_name: str, name: str = "", actor) -> IdsFile:
    """Store an IDS file for the project after checking that ifctester can read it."""
    from .ifc.ids_check import IdsError, parse_ids

    authorize(actor, project, "ids.manage")
    data = stream.read(IDS_MAX_BYTES + 1)
    if not data:
        raise InvalidInput(gettext("The IDS file is empty."), field="file")
    if len(data) > IDS_MAX_BYTES:
        raise PayloadTooLarge(
            gettext("The IDS file is over the limit of %(limit)s.") % {"limit": human_size(IDS_MAX_BYTES)}
        )
    try:
        document = parse_ids(data.decode("utf-8-sig"))
    except (IdsError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            gettext("The IDS file cannot be read: %(reason)s")
            % {"reason": failure_message(exc.code, exc.params, str(exc))}
            if isinstance(exc, IdsError)
            else gettext("The IDS file is not UTF-8 text."),
            field="file",
        ) from None
    stored = get_storage().put(io.BytesIO(data), content_type="application/xml")
    with transaction.atomic():
        ids_file = IdsFile(
            project=project,
            name=(name or document.info.get("title") or original_name or "IDS")[:200],
            specifications=len(document.specifications),
        )
        ids_file.set_stored(stored, original_name=original_name, uploaded_by=actor)
        ids_file.save()
        record_event(
            "ids.uploaded",
            actor=actor,
            project=project,
            target=ids_file,
            changes={"name": [None, ids_file.name], "sha256": [None, stored.sha256]},
        )
    return ids_file


def request_ids_run(project: Project, *, version_id: int, ids_id: int, actor) -> IdsRun:
    from . import tasks

    authorize(actor, project, "ids.manage")
    version = ModelVersion.objects.filter(pk=version_id, model__project=project).first()
    if version is None:
        raise NotFound(
            gettext("No model version %(id)s in project %(code)s.") % {"id": version_id, "code": project.code}
        )
    if version.status != VersionStatus.READY:
        raise Conflict(
            gettext("Version %(number)s is %(status)s: IDS checks run on ready versions.")
            % {"number": version.number, "status": version.get_status_display()},
            code="version_not_ready",
        )
    ids_file = IdsFile.objects.filter(pk=ids_id, project=project).first()
    if ids_file is None:
        raise InvalidInput(
            gettext("No IDS file %(id)s in project %(code)s.") % {"id": ids_id, "code": project.code}, field="ids_id"
        )
    with transaction.atomic():
        run = IdsRun.objects.create(version=version, ids_file=ids_file, requested_by=actor)
        record_event(
            "ids.run_requested",
            actor=actor,
            project=project,
            target=run,
            changes={"ids": [None, ids_file.name], "version": [None, version.pk]},
        )
        transaction.on_commit(lambda: tasks.run_ids_check.delay(run.pk))
    return run


def finish_ids_run(run_id: int, *, summary: list[dict], results: list) -> IdsRun:
    with transaction.atomic():
        run = IdsRun.objects.select_for_update().select_related("version__model__project").get(pk=run_id)
        if run.status != IdsRunStatus.QUEUED:
            return run
        run.results.all().delete()
        IdsResult.objects.bulk_create(
            [
                IdsResult(
                    run=run,
                    specification=r.specification[:255],
                    requirement=r.requirement,
                    global_id=r.global_id,
                    is_passed=r.is_passed,
                    reason=r.reason,
                )
                for r in results
            ],
            batch_size=2000,
        )
        run.status, run.summary, run.finished_at = IdsRunStatus.DONE, summary, timezone.now()
        run.save(update_fields=["status", "summary", "finished_at"])
        record_event(
            "ids.run_done",
            actor=None,
            project=run.version.model.project,
            target=run,
            changes={"status": [IdsRunStatus.QUEUED, IdsRunStatus.DONE], "summary": [None, summary]},
        )
    return run


def fail_ids_run(run_id: int, code: str, params: dict | None = None) -> IdsRun:
    params = {k: str(v) for k, v in (params or {}).items()}
    reason = failure_text(code, params)
    with transaction.atomic():
        run = IdsRun.objects.select_for_update().select_related("version__model__project").get(pk=run_id)
        if run.status != IdsRunStatus.QUEUED:
            return run
        run.status, run.failure_reason, run.finished_at = IdsRunStatus.FAILED, reason, timezone.now()
        run.failure_code, run.failure_params = code, params
        run.save(update_fields=["status", "failure_reason", "failure_code", "failure_params", "finished_at"])
        record_event(
            "ids.run_failed",
            actor=None,
            project=run.version.model.project,
            target=run,
            changes={"status": [IdsRunStatus.QUEUED, IdsRunStatus.FAILED], "reason": [None, reason]},
        )
    return run
