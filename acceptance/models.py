"""The GB 50300 acceptance tree of a building: one node per unit project, division, sub-division,
sub-item and inspection lot (a `level` each), the elements a lot covers, the rules that cut lots
out of the model, the lots' inspection records and photos, the documents a level needs, and the
signatures that accept each node (who signed, in which capacity, on which date)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plumbline.core.models import StoredFile


class Level(models.TextChoices):
    UNIT_PROJECT = "unit_project", _("unit project (单位工程)")
    DIVISION = "division", _("division (分部工程)")
    SUB_DIVISION = "sub_division", _("sub-division (子分部工程)")
    SUB_ITEM = "sub_item", _("sub-item (分项工程)")
    INSPECTION_LOT = "inspection_lot", _("inspection lot (检验批)")


# each level's children, top down
CHILD_LEVEL = {
    Level.UNIT_PROJECT: Level.DIVISION,
    Level.DIVISION: Level.SUB_DIVISION,
    Level.SUB_DIVISION: Level.SUB_ITEM,
    Level.SUB_ITEM: Level.INSPECTION_LOT,
}


class NodeStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("acceptance", "pending")
    FAILED = "failed", _("inspection failed")
    INSPECTED = "inspected", _("inspected, awaiting acceptance")
    ACCEPTED = "accepted", _("accepted")


# the moves of a node's status: a lot is inspected (passed or failed, again after rectification)
# and then accepted; the levels above it go from pending to accepted when their signatures are in
NODE_MOVES: dict[str, set[str]] = {
    NodeStatus.PENDING: {NodeStatus.INSPECTED, NodeStatus.FAILED, NodeStatus.ACCEPTED},
    NodeStatus.FAILED: {NodeStatus.INSPECTED, NodeStatus.FAILED},
    NodeStatus.INSPECTED: {NodeStatus.INSPECTED, NodeStatus.FAILED, NodeStatus.ACCEPTED},
    NodeStatus.ACCEPTED: set(),
}


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed by the contractor")
    APPROVED = "approved", _("approved by the chief supervising engineer")


class AcceptanceNode(models.Model):
    """One node of a building's acceptance tree. The unit project carries the split's status
    (proposed, approved); a sub-item may be a hold point covering earlier work; a lot carries
    the elements it covers (LotElement), its storey or zone and its capacity."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="acceptance_nodes")
    building = models.ForeignKey("projects.Building", on_delete=models.PROTECT, related_name="acceptance_nodes")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    level = models.CharField(max_length=20, choices=Level.choices)
    code = models.CharField(max_length=60, help_text=_("catalogue code (GB 50300 appendix B) or the lot's number"))
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=NodeStatus.choices, default=NodeStatus.PENDING)
    accepted_on = models.DateField(null=True, blank=True)
    # the unit project's split
    plan_status = models.CharField(max_length=20, choices=PlanStatus.choices, blank=True)
    # a sub-item that covers up earlier work (隐蔽工程): the sub-item codes whose lots must be
    # accepted first on the same storey and elements
    covers_codes = models.JSONField(default=list, blank=True)
    # an inspection lot
    version = models.ForeignKey(
        "bim.ModelVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the version whose GlobalIds the lot's elements are named by"),
    )
    rule = models.ForeignKey("LotRule", on_delete=models.PROTECT, null=True, blank=True, related_name="lots")
    storey_global_id = models.CharField(max_length=22, blank=True)
    storey_name = models.CharField(max_length=255, blank=True)
    zone = models.CharField(max_length=100, blank=True, help_text=_("zone or construction section (施工段)"))
    capacity_quantity = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("the lot's capacity as a quantity (with its unit); empty: its element count"),
    )
    capacity_unit = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["building", "code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["building", "level", "code"], name="one_node_per_code_and_level"),
            models.UniqueConstraint(
                fields=["building"], condition=models.Q(level="unit_project"), name="one_unit_project_per_building"
            ),
        ]
        indexes = [models.Index(fields=["building", "level", "status"])]

    def __str__(self):
        return f"{self.building} {self.code} {self.name}"

    @property
    def is_lot(self) -> bool:
        return self.level == Level.INSPECTION_LOT


class LotElement(models.Model):
    """An element a lot covers, named by its GlobalId in the lot's version; `is_present` turns
    false when a later version no longer has it (the lot lists it as vanished)."""

    lot = models.ForeignKey(AcceptanceNode, on_delete=models.CASCADE, related_name="elements")
    global_id = models.CharField(max_length=22)
    ifc_class = models.CharField(max_length=64, blank=True)
    is_present = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "global_id"], name="one_lot_element_per_global_id")]
        indexes = [models.Index(fields=["global_id"])]

    def __str__(self):
        return f"{self.global_id} in {self.lot}"


class LotCut(models.TextChoices):
    STOREY = "storey", _("one lot per storey")
    ZONE = "zone", _("one lot per storey and zone")


class LotRule(models.Model):
    """How a sub-item's lots are cut out of the model: the IFC classes, an optional material or
    property filter, and one lot per storey (or per storey and zone). Re-run on a new version."""

    sub_item = models.ForeignKey(AcceptanceNode, on_delete=models.PROTECT, related_name="lot_rules")
    ifc_classes = models.JSONField(default=list)
    material = models.CharField(max_length=100, blank=True)
    pset = models.CharField(max_length=100, blank=True)
    prop = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=200, blank=True)
    cut = models.CharField(max_length=10, choices=LotCut.choices, default=LotCut.STOREY)
    last_version = models.ForeignKey("bim.ModelVersion", on_delete=models.PROTECT, null=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"rule {self.pk} of {self.sub_item}"


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("passed")
    FAILED = "failed", pgettext_lazy("acceptance", "failed")


class LotInspection(models.Model):
    """The contractor's check of a lot (检验批质量验收记录): main-control and general items with
    their sampled points; a new record after rectification keeps the earlier ones."""

    lot = models.ForeignKey(AcceptanceNode, on_delete=models.PROTECT, related_name="inspections")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, help_text=_("made by the tablet: retries are safe"))
    inspected_on = models.DateField()
    items = models.JSONField(help_text=_("main-control and general items, each with its points and result"))
    sample_size = models.PositiveIntegerField(help_text=_("minimum sample size of the lot (GB 50300 table 3.0.9)"))
    result = models.CharField(max_length=10, choices=InspectionResult.choices)
    failures = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lot", "-created_at", "-pk"]

    def __str__(self):
        return f"inspection of {self.lot} on {self.inspected_on}: {self.result}"


class LotPhoto(StoredFile):
    lot = models.ForeignKey(AcceptanceNode, on_delete=models.PROTECT, related_name="photos")
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["lot", "uploaded_at"]

    def __str__(self):
        return f"photo {self.sha256[:12]} of {self.lot}"


class DocumentKind(models.TextChoices):
    SAFETY_FUNCTION_TEST = "safety_function_test", _("safety and function test record (安全和功能检验资料)")
    SURVEY_QUALITY_REPORT = "survey_quality_report", _("survey quality report (勘察质量检查报告)")
    DESIGN_QUALITY_REPORT = "design_quality_report", _("design quality report (设计质量检查报告)")
    SUPERVISOR_PRE_ACCEPTANCE = "supervisor_pre_acceptance", _("supervisor's pre-acceptance (监理预验收报告)")
    CONTRACTOR_SELF_CHECK = "contractor_self_check", _("contractor's self-check report (施工自评报告)")


# the documents a level needs before it is accepted
REQUIRED_DOCUMENTS = {
    Level.DIVISION: [DocumentKind.SAFETY_FUNCTION_TEST],
    Level.UNIT_PROJECT: [
        DocumentKind.SURVEY_QUALITY_REPORT,
        DocumentKind.DESIGN_QUALITY_REPORT,
        DocumentKind.SUPERVISOR_PRE_ACCEPTANCE,
        DocumentKind.CONTRACTOR_SELF_CHECK,
    ],
}


class AcceptanceDocument(StoredFile):
    node = models.ForeignKey(AcceptanceNode, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=40, choices=DocumentKind.choices)
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["node", "kind", "uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.node}"


class Capacity(models.TextChoices):
    """The capacities GB 50300 names for the signatures of each level."""

    QUALITY_INSPECTOR = "contractor_quality_inspector", _("contractor's quality inspector (专业质量检查员)")
    FOREMAN = "contractor_foreman", _("contractor's foreman (专业工长)")
    TECHNICAL_LEAD = "contractor_technical_lead", _("contractor's technical lead (项目技术负责人)")
    PROJECT_MANAGER = "contractor_project_manager", _("contractor's project manager (项目经理)")
    SUPERVISING_ENGINEER = "supervising_engineer", _("specialist supervising engineer (专业监理工程师)")
    CHIEF_SUPERVISING_ENGINEER = "chief_supervising_engineer", _("chief supervising engineer (总监理工程师)")
    SURVEY_LEADER = "survey_leader", _("survey project leader (勘察项目负责人)")
    DESIGN_LEADER = "design_leader", _("design project leader (设计项目负责人)")
    OWNER_LEADER = "owner_leader", _("owner's project leader (建设单位项目负责人)")


SITE_CAPACITIES = (Capacity.QUALITY_INSPECTOR, Capacity.FOREMAN, Capacity.TECHNICAL_LEAD)


class SiteDesignation(models.Model):
    """The contractor names who serves on the project as its quality inspector, foreman or
    technical lead, from a date (to a date): the register these signatures are checked against,
    as the party appointments are for the project leaders."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="site_designations")
    person = models.ForeignKey("projects.Person", on_delete=models.PROTECT, related_name="site_designations")
    capacity = models.CharField(max_length=40, choices=[(c.value, c.label) for c in SITE_CAPACITIES])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "capacity", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="designation_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.person} as {self.capacity} on {self.project}"


class AcceptanceSignature(models.Model):
    """One signature on a node: the person, the capacity they signed in and what made them hold
    it on the signing date (a membership or a party appointment)."""

    node = models.ForeignKey(AcceptanceNode, on_delete=models.PROTECT, related_name="signatures")
    capacity = models.CharField(max_length=40, choices=Capacity.choices)
    person = models.ForeignKey("projects.Person", on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(
        "projects.ProjectMembership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "projects.PartyAppointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    designation = models.ForeignKey(SiteDesignation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_on_behalf_of_owner = models.BooleanField(
        default=False, help_text=_("Signed by the architect in charge for the owner (建筑师负责制).")
    )
    signed_on = models.DateField()
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["node", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["node", "capacity"], name="one_signature_per_capacity")]

    def __str__(self):
        return f"{self.person} as {self.capacity} on {self.node}"
