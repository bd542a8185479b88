"""The In/Out schemas of the site's own endpoints: your account (/me, tokens) and the audit trail."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ProjectRoles(Schema):
    code: str
    name: str
    roles: list[str]


class MeOut(Schema):
    username: str
    name: str
    organisation: str | None
    is_auditor: bool
    projects: list[ProjectRoles]


class TokenIn(Schema):
    name: str = Field(..., max_length=100, description="what the token is for, e.g. 'site tablet 3'")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(..., description="shown once: store it now, it cannot be read again")


class AuditEventOut(Schema):
    sequence: int
    created_at: datetime
    actor_name: str
    organisation_id: int | None
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    request_id: str
    prev_hash: str
    hash: str


class ChainReportOut(Schema):
    project: str
    events: int
    is_intact: bool
    first_broken_sequence: int | None
    reason: str
    anchors: int


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="stable dotted name, e.g. finding.assigned, finding.rejected, finding.overdue")
    project: str | None = Field(None, alias="project.code", description="the project's code")
    title: str
    body: str
    link: str = Field(..., description="a path on this site, where it is about")
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class NotificationsReadOut(Schema):
    marked: int = Field(..., description="how many were unread")
