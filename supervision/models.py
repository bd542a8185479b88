"""What the housing department keeps: its roster of inspectors and their former employers, the
double-random draws and their published results, quality-credit events and scores, complaints
with their first responsibility, and webhook subscriptions with their delivery log."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RosterInspector(models.Model):
    """A person on a department's roster of inspectors who may be drawn."""

    department = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="roster")
    person = models.ForeignKey("projects.Person", on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department", "person__name"]
        constraints = [models.UniqueConstraint(fields=["department", "person"], name="one_roster_entry_per_person")]

    def __str__(self):
        return f"{self.person.name} ({self.department})"


class FormerEmployment(models.Model):
    """An organisation an inspector worked for, until a date: a conflict of interest for its
    projects for SUPERVISION_CONFLICT_YEARS after it."""

    inspector = models.ForeignKey(RosterInspector, on_delete=models.CASCADE, related_name="employments")
    organisation = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    until = models.DateField(null=True, blank=True, help_text=_("empty: works there still"))

    class Meta:
        ordering = ["inspector", "organisation"]

    def __str__(self):
        return f"{self.inspector} worked for {self.organisation} until {self.until or 'now'}"


class DrawStatus(models.TextChoices):
    DRAWN = "drawn", _("drawn")
    PUBLISHED = "published", _("published")


class SupervisionDraw(models.Model):
    """One "double random, one public" draw of a department for a period: the seed, the pool as it
    was, and the result, all kept so anyone can recompute it."""

    department = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="draws")
    period = models.SlugField(max_length=20, help_text=_("e.g. 2026-Q3 or 2026-07"))
    seed = models.CharField(max_length=200, help_text=_("published: the date and a public number"))
    inspectors_per_project = models.PositiveIntegerField(default=2)
    algorithm = models.CharField(max_length=40)
    pool = models.JSONField(help_text=_("the projects and inspectors drawn from, with tiers and weights"))
    result = models.JSONField(help_text=_("the projects drawn, each with its inspectors"))
    status = models.CharField(max_length=20, choices=DrawStatus.choices, default=DrawStatus.DRAWN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["department", "period"], name="one_draw_per_period")]

    def __str__(self):
        return f"{self.department} {self.period}"


class SupervisionAssignment(models.Model):
    """A drawn inspector sent to a drawn project: the draw grants them a membership there in the
    drawn-inspector role (projects), which ends when the project's result is signed or the period
    ends. The findings they log carry that membership."""

    draw = models.ForeignKey(SupervisionDraw, on_delete=models.PROTECT, related_name="assignments")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(RosterInspector, on_delete=models.PROTECT, related_name="assignments")
    membership = models.OneToOneField(
        "projects.ProjectMembership", on_delete=models.PROTECT, related_name="supervision_assignment"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draw", "project__code", "inspector__person__name"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "project", "inspector"], name="one_assignment_per_drawn_inspector")
        ]

    def __str__(self):
        return f"{self.inspector.person.name} -> {self.project.code} ({self.draw.period})"


class Outcome(models.TextChoices):
    PASSED = "passed", _("passed")
    ISSUES = "issues", _("issues to rectify")
    ORDERS = "orders", _("rectification order")


class SupervisionResult(models.Model):
    """The result of one drawn project's inspection, signed by an inspector of the draw; published
    on the public page once signed."""

    draw = models.ForeignKey(SupervisionDraw, on_delete=models.PROTECT, related_name="results")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    summary = models.TextField()
    violation_organisation = models.ForeignKey(
        "projects.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    violation_points = models.PositiveIntegerField(default=0)
    findings = models.ManyToManyField(
        "inspections.Finding",
        blank=True,
        related_name="+",
        help_text=_("the supervision findings the drawn inspectors logged that the result cites"),
    )
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draw", "project__code"]
        constraints = [models.UniqueConstraint(fields=["draw", "project"], name="one_result_per_drawn_project")]

    def __str__(self):
        return f"{self.draw} {self.project.code}: {self.outcome}"


class CreditEventStatus(models.TextChoices):
    COUNTED = "counted", _("counted")
    CONTESTED = "contested", _("contested, awaiting the department")
    UPHELD = "upheld", _("contest rejected: counted")
    ANNULLED = "annulled", _("contest accepted: not counted")


COUNTING_STATUSES = (CreditEventStatus.COUNTED, CreditEventStatus.CONTESTED, CreditEventStatus.UPHELD)


class CreditEvent(models.Model):
    """Points scored against an organisation by one event; `source_key` names the event, so
    recomputing never scores it twice."""

    organisation = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="credit_events")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rule = models.CharField(max_length=40)
    source_key = models.CharField(max_length=200, unique=True)
    points = models.PositiveIntegerField()
    occurred_on = models.DateField()
    description = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=CreditEventStatus.choices, default=CreditEventStatus.COUNTED)
    contest_reason = models.TextField(blank=True)
    contested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contested_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-occurred_on", "pk"]
        indexes = [models.Index(fields=["organisation", "occurred_on"])]

    def __str__(self):
        return f"{self.organisation} {self.rule} {self.points}"


class OrganisationCredit(models.Model):
    """An organisation's points over the rolling window and its tier, as last recomputed."""

    organisation = models.OneToOneField("projects.Organisation", on_delete=models.CASCADE, related_name="credit")
    points = models.PositiveIntegerField(default=0)
    tier = models.CharField(max_length=1, default="A")
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.organisation}: {self.points} ({self.tier})"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("complaint", "open")
    ANSWERED = "answered", _("answered")


# how a complaint came in (Complaint.channel)
CHANNEL_LABELS = {
    "web": _("on the website"),
    "sign_qr": _("through a permanent sign's QR code"),
    "phone": _("by telephone"),
}


class Complaint(models.Model):
    """A complaint about a project: the organisation that first received it answers for it by its
    deadline (首负责任制), even when it passes it on."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="complaints")
    complainant_name = models.CharField(max_length=100)
    complainant_contact = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=20, default="web", help_text=_("web, sign_qr, phone"))
    description = models.TextField()
    first_responsible = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    current_holder = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"complaint #{self.pk} on {self.project.code}"


class ComplaintStepKind(models.TextChoices):
    RECEIVED = "received", _("received")
    PASSED_ON = "passed_on", _("passed on")
    ANSWERED = "answered", _("answered")


class ComplaintStep(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=ComplaintStepKind.choices)
    from_organisation = models.ForeignKey(
        "projects.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "projects.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["complaint", "created_at", "pk"]

    def __str__(self):
        return f"{self.complaint} {self.kind}"


class WebhookEventType(models.TextChoices):
    FINDING = "finding", _("finding")
    CLAIM = "claim", _("claim")
    ACCEPTANCE = "acceptance", _("acceptance")
    MODEL = "model", _("model")
    SUPERVISION = "supervision", _("supervision")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A subscription: events of one project, or of every project of a department's region, are
    POSTed to `url`, signed with `secret` (HMAC-SHA256)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey(
        "projects.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, default=new_secret)
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=True, department__isnull=False)
                | models.Q(project__isnull=False, department__isnull=True),
                name="webhook_of_a_project_or_a_region",
            )
        ]

    def __str__(self):
        return f"webhook #{self.pk} {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("webhook delivery", "pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event sent to one webhook, with every attempt's outcome; a replay is a new delivery of
    the same payload."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=20, choices=WebhookEventType.choices)
    event_id = models.CharField(max_length=64, help_text=_("the same for a replay as for its original"))
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    log = models.JSONField(default=list, help_text=_("each attempt: when, response code, error"))
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"delivery #{self.pk} of {self.webhook}"


class ProjectScore(models.Model):
    """A project's completeness score as last computed, with its reasons in every language of
    the site: the region dashboard sorts, filters and pages on it in the database. Derived data:
    a save in the apps below marks it stale (supervision/signals.py), a row of an earlier day is
    stale too (letters fall overdue with time), and stale rows are computed again before a
    dashboard is read and every night."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="supervision_score")
    score = models.PositiveIntegerField()
    reasons = models.JSONField(default=list, help_text=_("component, code, points, message by language"))
    codes = models.CharField(max_length=2000, default=" ", help_text=_("the reasons' codes and components, spaced"))
    is_stale = models.BooleanField(default=False)
    computed_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["score"]),
            # the dashboard's count of its projects and of the stale scores reads this index alone
            # (an index-only scan), not the rows with their reasons in every language; key columns, not
            # INCLUDE, which SQLite lacks (its rowid, the id, is in every index)
            models.Index(
                fields=["project", "score", "is_stale", "computed_on", "id"],
                name="supervision_score_fresh_idx",
            ),
        ]

    def __str__(self):
        return f"{self.project.code}: {self.score}"
