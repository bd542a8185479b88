"""`plumbline ingest FILE --project CODE [--model NAME] [--wait] [--json]`: upload an IFC model
as a user would, and optionally wait for its ingest to end."""

import contextlib
import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bim import actions
from bim.models import ModelVersion, VersionStatus
from plumbline.core.errors import DomainError
from plumbline.core.inline import tasks_in_this_process
from projects.models import Project
from projects.queries import current_appointments


class Command(BaseCommand):
    help = "Upload an .ifc/.ifczip to a project as a new model version."
    # no system checks: they load the whole web stack (URLs, the API and its schemas), which a
    # command that only ingests, like a worker, does not need (about 0.5 s and 40 MB)
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--project", required=True, help="project code")
        parser.add_argument("--model", default="", help="model name (default: the file name)")
        parser.add_argument("--discipline", default="architecture")
        parser.add_argument("--user", help="who uploads (default: the contractor's project manager)")
        parser.add_argument("--wait", action="store_true", help="wait until the version is ready or failed")
        parser.add_argument("--inline", action="store_true", help="run the ingest in this process (no worker)")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds --wait waits at most")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        project = Project.objects.filter(code=o["project"]).first()
        if project is None:
            raise CommandError(f"No project {o['project']!r}.")
        user = self._user(project, o["user"])
        # loaded before the clock starts, as a worker has them loaded: importing ifcopenshell and
        # the readers is this process's start-up, not the ingest's (a third of a second or more)
        import bim.tasks  # noqa: F401

        started, started_at = time.perf_counter(), timezone.now()
        inline = tasks_in_this_process() if o["inline"] else contextlib.nullcontext()
        try:
            with inline, open(path, "rb") as stream:
                version, created = actions.upload_model_version(
                    project,
                    stream=stream,
                    original_name=path.name,
                    model_name=o["model"],
                    discipline=o["discipline"],
                    size=path.stat().st_size,
                    actor=user,
                )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if o["wait"] or o["inline"]:
            version = self._wait(version.pk, o["timeout"])
        result = {
            "version_id": version.pk,
            "model": version.model.name,
            "number": version.number,
            "is_new": created,
            "status": version.status,
            "reason": version.failure_reason or None,
            "schema": version.schema or None,
            "counts": version.counts,
            # from the upload call to ready (what runs after ready, in this process when inline:
            # IDS checks, webhooks, BCF mapping, is not the ingest's), and to the command's end
            "seconds": {
                **version.seconds,
                "total_wall": round(
                    (version.finished_at - started_at).total_seconds()
                    if version.finished_at
                    else time.perf_counter() - started,
                    3,
                ),
                "command_wall": round(time.perf_counter() - started, 3),
            },
            "warning_count": version.warning_count,
            "warnings": version.warning_messages(),
        }
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{version.model.name} v{version.number}: {version.status}"
                + (f" ({version.failure_reason})" if version.failure_reason else "")
                + (f", {version.counts}" if version.counts else "")
                + "".join(f"\n  {message}" for message in version.warning_messages())
            )
        if version.status == VersionStatus.FAILED:
            raise SystemExit(1)

    def _user(self, project, username):
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
            return user
        manager = current_appointments(project).get("contractor")
        if manager is None:
            raise CommandError("The project has no contractor project manager: name the uploader with --user.")
        return manager.leader.user

    def _wait(self, version_id: int, timeout: float) -> ModelVersion:
        deadline = time.monotonic() + timeout
        while True:
            version = ModelVersion.objects.select_related("model").get(pk=version_id)
            if version.status in (VersionStatus.READY, VersionStatus.FAILED):
                return version
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Version {version_id} is still {version.status} after {timeout:.0f} s: "
                    "is a worker running (plumbline worker)?"
                )
            time.sleep(0.5)
