"""A check of a project's quality archive run as a task: the archive is built for the person who
asked, stored (so the file they download is the file that was checked), and verified file by file
and event by event, its progress and outcome on this row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    BUILDING = "building", _("building the archive")
    VERIFYING = "verifying", _("verifying")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ArchiveCheck(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="archive_checks")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=CheckStatus.choices, default=CheckStatus.QUEUED)
    bytes_written = models.PositiveBigIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    files_checked = models.PositiveIntegerField(default=0)
    archive_key = models.CharField(max_length=200, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    archive_size = models.PositiveBigIntegerField(default=0)
    is_intact = models.BooleanField(null=True)
    events = models.PositiveIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    problem_path = models.CharField(max_length=300, blank=True)
    problem_sequence = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, help_text=_("why the check could not run"))
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"archive check #{self.pk} of {self.project.code}"

    @property
    def percent(self) -> int:
        """Building counts for the first half, verifying for the second."""
        if self.status == CheckStatus.DONE:
            return 100
        if self.status == CheckStatus.VERIFYING and self.files_total:
            return 50 + 50 * self.files_checked // self.files_total
        return 25 if self.status == CheckStatus.BUILDING and self.bytes_written else 0

    @property
    def is_running(self) -> bool:
        return self.status in (CheckStatus.QUEUED, CheckStatus.BUILDING, CheckStatus.VERIFYING)
