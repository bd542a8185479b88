"""Response shapes of the archive API."""

from datetime import datetime

from ninja import Field, Schema


class ArchiveCheckOut(Schema):
    id: int
    project: str
    status: str = Field(..., description="queued, building, verifying, done, failed")
    percent: int
    files_total: int
    files_checked: int
    is_intact: bool | None = Field(..., description="None until done")
    events: int | None = Field(..., description="audit events checked")
    problem: str = Field(..., description="the first thing that does not match, for a person")
    problem_path: str
    problem_sequence: int | None = Field(..., description="the audit event the problem names")
    archive_sha256: str
    archive_size: int
    download_url: str | None = Field(..., description="the very file that was checked (a link valid for an hour)")
    error: str
    created_at: datetime
    finished_at: datetime | None
