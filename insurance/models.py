"""Latent-defect insurance (IDI): a building's saleable units and the home owners bound to them,
the policy the owner buys (cover per category, waiting period, exclusions, TIS reports), and the
home owners' defect claims with their workflow, deadlines and photos."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plumbline.core.models import StoredFile

from .cover import (
    DEFAULT_COVER_YEARS,
    DEFAULT_EXCLUSIONS,
    DEFAULT_SERVICE_DAYS,
    DEFAULT_WAITING_PERIOD_YEARS,
    read_cover,
)


class DefectCategory(models.TextChoices):
    STRUCTURE = "structure", _("foundation and main structure")
    ENVELOPE = "envelope", _("envelope insulation")
    WATERPROOFING = "waterproofing", _("waterproofing")
    DECORATION = "decoration", _("decoration")
    ELECTRICAL = "electrical", _("electrical")
    PLUMBING = "plumbing", _("plumbing")
    EQUIPMENT = "equipment", _("equipment")


class Unit(models.Model):
    """A saleable unit of a building (e.g. 1-502), on the IfcSpaces that make it up in the model."""

    building = models.ForeignKey("projects.Building", on_delete=models.PROTECT, related_name="units")
    number = models.CharField(max_length=30, help_text=_("e.g. 1-502"))
    floor = models.IntegerField()
    area_m2 = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    space_global_ids = models.JSONField(default=list, blank=True, help_text=_("GlobalIds of its IfcSpaces"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["building", "floor", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="one_unit_per_number")]

    def __str__(self):
        return f"{self.building.name} {self.number}"


class HomeOwnership(models.Model):
    """A home owner bound to their unit, by the owner's staff or a one-time code."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ownerships")
    person = models.ForeignKey("projects.Person", on_delete=models.PROTECT, related_name="home_ownerships")
    bound_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    bound_at = models.DateTimeField(auto_now_add=True)
    by_code = models.BooleanField(default=False)

    class Meta:
        ordering = ["unit", "bound_at"]
        constraints = [models.UniqueConstraint(fields=["unit", "person"], name="one_binding_per_owner_and_unit")]

    def __str__(self):
        return f"{self.person} in {self.unit}"


class BindingCode(models.Model):
    """A one-time code printed for the buyer of a unit; only its hash is kept."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="binding_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"binding code of {self.unit}"


def default_cover_years():
    return dict(DEFAULT_COVER_YEARS)


def default_exclusions():
    return list(DEFAULT_EXCLUSIONS)


def default_service_days():
    return dict(DEFAULT_SERVICE_DAYS)


class Policy(models.Model):
    """An IDI policy on a project, or on one building of it."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="policies")
    building = models.ForeignKey(
        "projects.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
    number = models.CharField(max_length=60, unique=True)
    insurer = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    tis = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    insured = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    premium_rate_percent = models.DecimalField(max_digits=6, decimal_places=3)
    premium_amount = models.DecimalField(max_digits=14, decimal_places=2)
    cover_years = models.JSONField(default=default_cover_years)
    waiting_period_years = models.PositiveIntegerField(default=DEFAULT_WAITING_PERIOD_YEARS)
    exclusions = models.JSONField(default=default_exclusions)
    service_days = models.JSONField(default=default_service_days)
    accepted_on = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "Completion acceptance date written on the policy; empty: the unit project's acceptance "
            "record, else the project's completion date"
        ),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "number"]
        verbose_name_plural = "policies"

    def __str__(self):
        return self.number


class TisReport(models.Model):
    """A TIS risk report during construction, filed on the policy with the findings it raised."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="tis_reports")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    reported_on = models.DateField()
    finding_ids = models.JSONField(default=list, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["policy", "reported_on", "pk"]

    def __str__(self):
        return self.title


class ClaimStatus(models.TextChoices):
    FILED = "filed", pgettext_lazy("claim", "filed")
    SURVEYED = "surveyed", _("surveyed")
    ACCEPTED = "accepted", pgettext_lazy("claim", "accepted")
    DECLINED = "declined", _("declined")
    CONTESTED = "contested", _("contested")
    REPAIR_ASSIGNED = "repair_assigned", _("repair assigned")
    REPAIRED = "repaired", _("repaired")
    CLOSED = "closed", _("confirmed and closed")


# verb -> (from statuses, to status, right): the allowed moves of a claim, in one place
CLAIM_MOVES: dict[str, tuple[set[str], str, str]] = {
    "survey": ({ClaimStatus.FILED}, ClaimStatus.SURVEYED, "claim.survey"),
    "accept": ({ClaimStatus.SURVEYED, ClaimStatus.CONTESTED}, ClaimStatus.ACCEPTED, "claim.decide"),
    "decline": ({ClaimStatus.SURVEYED, ClaimStatus.CONTESTED}, ClaimStatus.DECLINED, "claim.decide"),
    "contest": ({ClaimStatus.DECLINED}, ClaimStatus.CONTESTED, "claim.file"),
    "assign_repair": ({ClaimStatus.ACCEPTED}, ClaimStatus.REPAIR_ASSIGNED, "claim.assign_repair"),
    "record_repair": ({ClaimStatus.REPAIR_ASSIGNED}, ClaimStatus.REPAIRED, "claim.repair"),
    "confirm_repair": ({ClaimStatus.REPAIRED}, ClaimStatus.CLOSED, "claim.confirm"),
}


class DefectClaim(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", help_text=_("empty: common parts")
    )
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, help_text=_("made by the phone: retries are safe"))
    version = models.ForeignKey("bim.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    global_ids = models.JSONField(default=list, blank=True)
    storey_global_id = models.CharField(max_length=22, blank=True)
    point_x = models.FloatField(null=True, blank=True)
    point_y = models.FloatField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=DefectCategory.choices)
    category_inferred_from = models.CharField(max_length=64, blank=True, help_text=_("IFC class, when inferred"))
    description = models.TextField()
    found_on = models.DateField()
    is_emergency = models.BooleanField(default=False, help_text=_("water ingress, falling parts"))
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.FILED)
    # the cover decided when it was filed: {covered, reasons: [{code, params}], window_start, window_end}
    # (insurance.cover.read_cover gives each reason its message in the reader's language)
    cover = models.JSONField(default=dict)
    is_covered = models.BooleanField(default=False)
    survey_due = models.DateTimeField()
    decision_due = models.DateField(null=True, blank=True)
    repair_start_due = models.DateField(null=True, blank=True)
    repair_finish_due = models.DateField(null=True, blank=True)
    decision_reasons = models.JSONField(default=list, blank=True)
    repair_party = models.CharField(max_length=20, blank=True)
    repair_appointment = models.ForeignKey(
        "projects.PartyAppointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_contested = models.BooleanField(default=False, help_text=_("a declined claim may be contested once"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return f"claim #{self.pk}"

    @property
    def cover_read(self) -> dict:
        """The cover with its reasons' messages in the current language."""
        return read_cover(self.cover)


class ClaimStep(models.Model):
    claim = models.ForeignKey(DefectClaim, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "created_at", "pk"]

    def __str__(self):
        return f"{self.claim} {self.kind}"


class ClaimPhoto(StoredFile):
    claim = models.ForeignKey(DefectClaim, on_delete=models.CASCADE, related_name="photos")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    stage = models.CharField(max_length=20, default="filed", help_text=_("filed or repair"))

    class Meta:
        ordering = ["claim", "uploaded_at"]
