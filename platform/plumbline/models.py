"""The site's own rows."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last sign of life of one Celery worker: written every few seconds while it can run
    tasks (see plumbline.heartbeat), read by /healthz and the pages to tell a stuck worker."""

    name = models.CharField(max_length=200, primary_key=True)
    beaten_at = models.DateTimeField()
    pid = models.PositiveIntegerField(default=0)
    doing = models.JSONField(default=dict, blank=True)  # {"task": name, "args": [...]} while busy

    def __str__(self) -> str:
        return f"{self.name} at {self.beaten_at:%Y-%m-%d %H:%M:%S}"
