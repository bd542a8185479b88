"""Findings pinned to model elements or a point on a storey plan, their rectification workflow,
the steps that record it, and their photos."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plumbline.core.models import StoredFile


class Category(models.TextChoices):
    STRUCTURE = "structure", _("foundation and main structure")
    ENVELOPE = "envelope", _("envelope and insulation")
    WATERPROOFING = "waterproofing", _("waterproofing")
    DECORATION = "decoration", _("decoration")
    MEP = "mep", _("electrical, plumbing and equipment")
    SAFETY = "safety", _("site safety")
    OTHER = "other", _("other")


class Severity(models.TextChoices):
    MINOR = "minor", _("minor")
    MAJOR = "major", _("major")
    CRITICAL = "critical", _("critical")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("open")
    RECTIFICATION_SUBMITTED = "rectification_submitted", _("rectification submitted")
    CLOSED = "closed", _("closed")


class FindingSource(models.TextChoices):
    """Who logged it: the project's own inspectors on site, or an inspector the housing
    department's draw sent (a supervision inspection, 监督检查)."""

    SITE = "site", _("site inspection")
    SUPERVISION = "supervision", _("supervision inspection")


# the right that adds a photo to a finding, by its source (a drawn inspector photographs only
# supervision findings; the project's people photograph both)
PHOTO_ACTIONS = {FindingSource.SITE: "finding.photo", FindingSource.SUPERVISION: "finding.photo_supervision"}


# verb -> (from statuses, to status); the allowed moves of a finding, in one place
FINDING_MOVES: dict[str, tuple[set[str], str]] = {
    "submit_rectification": ({FindingStatus.OPEN}, FindingStatus.RECTIFICATION_SUBMITTED),
    "verify": ({FindingStatus.RECTIFICATION_SUBMITTED}, FindingStatus.CLOSED),
    "reject": ({FindingStatus.RECTIFICATION_SUBMITTED}, FindingStatus.OPEN),
    "reopen": ({FindingStatus.CLOSED}, FindingStatus.OPEN),
}
# a finding is overdue while it waits for its rectification past its due date; once the
# contractor has submitted one, the wait is the inspector's, and a rejection makes it open again
OVERDUE_STATUSES = frozenset({FindingStatus.OPEN})
MOVE_ACTIONS = {
    "submit_rectification": "finding.rectify",
    "verify": "finding.verify",
    "reject": "finding.verify",
    "reopen": "finding.verify",
}


class Finding(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="findings")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, help_text=_("made by the tablet: retries are safe"))
    version = models.ForeignKey("bim.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    global_ids = models.JSONField(default=list, blank=True, help_text=_("GlobalIds of the elements concerned"))
    storey_global_id = models.CharField(max_length=22, blank=True)
    point_x = models.FloatField(null=True, blank=True, help_text=_("plan point, metres"))
    point_y = models.FloatField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    responsible_party = models.CharField(max_length=20, blank=True)
    responsible_appointment = models.ForeignKey(
        "projects.PartyAppointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(
        "projects.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the person of the responsible party's organisation who is to rectify it"),
    )
    status = models.CharField(max_length=30, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    checklist = models.ForeignKey(
        "Checklist",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        help_text=_("the checklist whose failed item opened this finding"),
    )
    source = models.CharField(max_length=20, choices=FindingSource.choices, default=FindingSource.SITE)
    supervision_membership = models.ForeignKey(
        "projects.ProjectMembership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervision_findings",
        help_text=_("the drawn inspector's membership (the draw's assignment) it was logged under"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    observed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("when it was seen on site (the tablet's clock; it may reach us later)")
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text=_("when it reached the server"))
    updated_at = models.DateTimeField(auto_now=True)
    # what a BCF topic says beyond our own fields, kept so that a re-export says it again
    bcf_topic_type = models.CharField(max_length=100, blank=True, help_text=_("the BCF TopicType"))
    bcf_stage = models.CharField(max_length=100, blank=True, help_text=_("the BCF Stage"))
    bcf_priority = models.CharField(max_length=100, blank=True, help_text=_("the BCF Priority as written"))
    bcf_labels = models.JSONField(default=list, blank=True, help_text=_("the BCF Labels as written"))
    bcf_assigned_to = models.CharField(max_length=254, blank=True, help_text=_("the BCF AssignedTo as written"))
    bcf_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the project member whose e-mail the BCF AssignedTo names"),
    )
    bcf_related_topics = models.JSONField(default=list, blank=True, help_text=_("Guids of related BCF topics"))
    unmapped_global_ids = models.JSONField(
        default=list, blank=True, help_text=_("GlobalIds of the topic no current model holds (mapped when one arrives)")
    )
    bcf_extra = models.JSONField(
        default=dict, blank=True, help_text=_("the rest of the BCF topic (dates, authors, links, snippet, header)")
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["project", "status"]), models.Index(fields=["project", "storey_global_id"])]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_overdue(self) -> bool:
        """Still waiting for its rectification after its due date (see OVERDUE_STATUSES)."""
        return bool(self.due_date and self.status in OVERDUE_STATUSES and self.due_date < timezone.localdate())


class StepKind(models.TextChoices):
    OPENED = "opened", _("opened")
    RECTIFICATION_SUBMITTED = "rectification_submitted", _("rectification submitted")
    VERIFIED = "verified", _("verified and closed")
    REJECTED = "rejected", _("rejected")
    REOPENED = "reopened", _("reopened")
    COMMENT = "comment", _("comment")
    ASSIGNED = "assigned", _("assigned")


class FindingStep(models.Model):
    """One move in a finding's history, with who made it and their note."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=30, choices=StepKind.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200, blank=True, help_text=_("for comments imported from BCF"))
    author_tool = models.CharField(
        max_length=200, blank=True, help_text=_("the BCF file (and its version) the author wrote this step in")
    )
    bcf_guid = models.CharField(max_length=36, blank=True, help_text=_("the BCF comment this step came from"))
    written_at = models.DateTimeField(null=True, blank=True, help_text=_("when the BCF comment was written"))
    bcf_extra = models.JSONField(default=dict, blank=True, help_text=_("the rest of the BCF comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "created_at", "pk"]

    def __str__(self):
        return f"{self.finding} {self.kind}"

    def written_by(self) -> str | None:
        """Who wrote an imported text, and in what: the history's actor is whoever imported it."""
        if not self.author_name:
            return None
        return gettext("written in %(tool)s by %(name)s") % {
            "tool": self.author_tool or "BCF",
            "name": self.author_name,
        }


class PhotoKind(models.TextChoices):
    DEFECT = "defect", _("defect")
    RECTIFICATION = "rectification", _("rectification")


class FindingPhoto(StoredFile):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    kind = models.CharField(
        max_length=20,
        choices=PhotoKind.choices,
        default=PhotoKind.DEFECT,
        help_text=_("what it shows: the defect as found, or the rectification"),
    )
    thumbnail_key = models.CharField(max_length=200, blank=True)
    marks_up = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="markups",
        help_text=_("the original photo this one is drawn on (arrows, circles); the original is kept"),
    )

    class Meta:
        ordering = ["finding", "uploaded_at"]

    def __str__(self):
        return f"photo {self.sha256[:12]} of {self.finding}"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", _("Excel (XLSX)")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being made")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class FindingsReport(models.Model):
    """A findings report (PDF or XLSX) for the site meeting, made by a task: its filters, its
    progress and, once made, its stored file (key, hash, size; empty until then)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="findings_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=10, choices=ReportFormat.choices)
    filters = models.JSONField(default=dict, blank=True, help_text=_("the findings list's filters, as given"))
    language = models.CharField(max_length=10, help_text=_("the language the report is written in (the requester's)"))
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finding_count = models.PositiveIntegerField(default=0)
    file_key = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"findings report #{self.pk} ({self.format}) of {self.project_id}"


class FindingViewpoint(models.Model):
    """Where a BCF author looked (camera, selection, visibility, colouring, lines, clipping
    planes), in the BCF-API JSON form, with its snapshot as one of the finding's photos."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="viewpoints")
    guid = models.UUIDField()
    index = models.IntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    snapshot = models.ForeignKey(FindingPhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "index", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["finding", "guid"], name="finding_viewpoint_guid_unique")]

    def __str__(self):
        return f"viewpoint {self.guid} of {self.finding}"


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("document")
    BITMAP = "bitmap", _("viewpoint bitmap")
    SNIPPET = "snippet", _("BIM snippet")
    MODEL = "model", _("model file in a BCF header")


class FindingDocument(models.Model):
    """A BCF document reference of a finding: a link, or a file stored with it (a document, a
    viewpoint bitmap, a BIM snippet or a header's model file, kept for re-export)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="documents")
    guid = models.UUIDField()
    kind = models.CharField(max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT)
    url = models.URLField(max_length=2000, blank=True)
    description = models.TextField(blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_key = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["finding", "guid"], name="finding_document_guid_unique")]

    def __str__(self):
        return self.url or self.file_name


class ChecklistTemplate(models.Model):
    """An ordered list of things to check on site (a project's own, e.g. masonry before plastering)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="checklist_templates")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(
        max_length=20, choices=Category.choices, help_text=_("category of the findings its failed items open")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="checklist_template_name_unique")]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    photo_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="checklist_item_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.text}"


class ChecklistStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")


class ItemResult(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    NOT_APPLICABLE = "na", _("n.a.")


class Checklist(models.Model):
    """One filling of a template on site, on elements of a model version or a described place."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="checklists")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="checklists")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, help_text=_("made by the tablet: retries are safe"))
    location = models.CharField(max_length=200, blank=True)
    version = models.ForeignKey("bim.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    global_ids = models.JSONField(default=list, blank=True)
    storey_global_id = models.CharField(max_length=22, blank=True)
    status = models.CharField(max_length=20, choices=ChecklistStatus.choices, default=ChecklistStatus.IN_PROGRESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return f"{self.template.name} #{self.pk}"


class ChecklistAnswer(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=10, choices=ItemResult.choices)
    note = models.TextField(blank=True)
    severity = models.CharField(max_length=20, choices=Severity.choices, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)
    finding = models.OneToOneField(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="checklist_answer"
    )

    class Meta:
        ordering = ["checklist", "item__position"]
        constraints = [models.UniqueConstraint(fields=["checklist", "item"], name="checklist_answer_unique")]

    def __str__(self):
        return f"{self.checklist} item {self.item_id}: {self.result}"


class ChecklistPhoto(StoredFile):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["checklist", "item__position", "uploaded_at"]

    def __str__(self):
        return f"photo {self.sha256[:12]} of {self.checklist}"
