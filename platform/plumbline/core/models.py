"""Model pieces shared by the apps."""

from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    """A row that points at an uploaded file in object storage: key and hash, never bytes."""

    file_key = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def set_stored(self, stored, *, original_name: str, uploaded_by) -> None:
        self.file_key, self.sha256, self.size = stored.key, stored.sha256, stored.size
        self.content_type = stored.content_type
        self.original_name = (original_name or "")[:255]
        self.uploaded_by = uploaded_by
