"""Building-material batches on site (DOMAIN.md s6): their certificates and entry inspection, the
written authorisation of witnesses, the witnessed samples, the lab reports, the disposition of a
failed batch, and the model elements each batch went into."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plumbline.core.models import StoredFile


class BatchStatus(models.TextChoices):
    DELIVERED = "delivered", _("delivered, awaiting entry inspection")
    ACCEPTED = "accepted", _("accepted on entry")
    FAILED = "failed", _("failed a test")
    RETURNED = "returned", _("returned (left the site)")
    RETEST_PASSED = "retest_passed", _("passed the retest")
    TREATED = "treated", _("engineering treatment approved")


# how a batch's status moves, and by which action
BATCH_MOVES: dict[str, tuple[set[str], str]] = {
    "accept": ({BatchStatus.DELIVERED}, BatchStatus.ACCEPTED),
    "reject": ({BatchStatus.DELIVERED}, BatchStatus.RETURNED),
    "fail": ({BatchStatus.ACCEPTED, BatchStatus.RETEST_PASSED, BatchStatus.FAILED}, BatchStatus.FAILED),
    "returned": ({BatchStatus.FAILED}, BatchStatus.RETURNED),
    "retest_passed": ({BatchStatus.FAILED}, BatchStatus.RETEST_PASSED),
    "engineering_treatment": ({BatchStatus.FAILED}, BatchStatus.TREATED),
}
DISPOSITIONS = ("returned", "retest_passed", "engineering_treatment")


class EntryResult(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", pgettext_lazy("entry inspection", "rejected")


class MaterialBatch(models.Model):
    """One delivered batch of one product (a prefabricated component is a batch of one)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="material_batches")
    category = models.CharField(max_length=30, help_text=_("a category code of the sampling rules"))
    rule_variant = models.CharField(max_length=30, blank=True, help_text=_("e.g. bagged or bulk cement"))
    product = models.CharField(max_length=200)
    specification = models.CharField(max_length=200, blank=True, help_text=_("specification or grade, e.g. HRB400E 25"))
    manufacturer = models.CharField(max_length=200)
    batch_number = models.CharField(max_length=100)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit = models.CharField(max_length=10)
    delivered_on = models.DateField()
    green_label_number = models.CharField(max_length=100, blank=True, help_text=_("绿色建材 label certificate number"))
    green_label_grade = models.CharField(max_length=10, blank=True)
    # prefabricated components (预制构件): one component per batch
    factory = models.CharField(max_length=200, blank=True)
    produced_on = models.DateField(null=True, blank=True)
    component_code = models.CharField(max_length=100, blank=True)
    component_version = models.ForeignKey(
        "bim.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    component_global_id = models.CharField(max_length=22, blank=True, help_text=_("the element it becomes"))
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.DELIVERED)
    entry_result = models.CharField(max_length=10, choices=EntryResult.choices, blank=True)
    entry_note = models.TextField(blank=True)
    entry_inspected_on = models.DateField(null=True, blank=True)
    entry_inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    failures = models.PositiveIntegerField(default=0, help_text=_("how many lab reports of this batch failed"))
    failure_finding = models.ForeignKey(
        "inspections.Finding",
        on_delete=models.SET_NULL,  # a pointer to the finding it opened, not evidence: that is the report
        null=True,
        blank=True,
        related_name="+",
    )
    disposition_note = models.TextField(blank=True)
    disposition_on = models.DateField(null=True, blank=True)
    treatment_approved_by = models.ForeignKey(
        "projects.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the design project leader who approved the engineering treatment"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-delivered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "manufacturer", "batch_number"], name="one_row_per_material_batch"
            )
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return f"{self.product} {self.batch_number}"


class CertificateKind(models.TextChoices):
    PRODUCT = "product", _("product certificate (产品合格证)")
    FACTORY_TEST = "factory_test", _("factory test report (出厂检验报告)")
    TYPE_TEST = "type_test", _("type test report (型式检验报告)")
    GREEN_LABEL = "green_label", _("green building material label (绿色建材标识)")
    OTHER = "other", _("other")


class BatchCertificate(StoredFile):
    batch = models.ForeignKey(MaterialBatch, on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(max_length=20, choices=CertificateKind.choices)
    number = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["batch", "uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["batch", "sha256"], name="one_copy_of_a_certificate")]


class BatchElement(models.Model):
    """A batch went into this element (by its GlobalId in a model version)."""

    batch = models.ForeignKey(MaterialBatch, on_delete=models.CASCADE, related_name="elements")
    version = models.ForeignKey("bim.ModelVersion", on_delete=models.PROTECT, related_name="+")
    global_id = models.CharField(max_length=22)
    rule = models.JSONField(null=True, blank=True, help_text=_("the rule that linked it; empty: linked by hand"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "global_id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "version", "global_id"], name="one_link_per_batch_element")
        ]
        indexes = [models.Index(fields=["global_id"])]

    def __str__(self):
        return f"{self.batch} -> {self.global_id}"


class AuthorisationStatus(models.TextChoices):
    ACTIVE = "active", _("in force")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WitnessAuthorisation(StoredFile):
    """The owner's or supervisor's letter naming 1-2 witnesses (见证人授权书)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="witness_authorisations")
    authorised_by_party = models.CharField(max_length=20, help_text=_("owner or supervisor"))
    signed_on = models.DateField()
    status = models.CharField(max_length=20, choices=AuthorisationStatus.choices, default=AuthorisationStatus.ACTIVE)

    class Meta:
        ordering = ["project", "-signed_on"]

    def __str__(self):
        return f"{self.project} witnesses {self.signed_on}"


class Witness(models.Model):
    authorisation = models.ForeignKey(WitnessAuthorisation, on_delete=models.PROTECT, related_name="witnesses")
    person = models.ForeignKey("projects.Person", on_delete=models.PROTECT, related_name="+")
    certificate_number = models.CharField(max_length=100)

    class Meta:
        ordering = ["authorisation", "pk"]

    def __str__(self):
        return f"{self.person} ({self.certificate_number})"


class Sample(models.Model):
    """Specimens taken from a batch and sent to a lab; witnessed once the named witness confirms."""

    batch = models.ForeignKey(MaterialBatch, on_delete=models.PROTECT, related_name="samples")
    code = models.CharField(max_length=100)
    taken_on = models.DateField()
    samplers = models.JSONField(help_text=_("[{name, certificate_number}], at least two"))
    witness = models.ForeignKey("projects.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    witness_confirmed_at = models.DateTimeField(null=True, blank=True)
    lab = models.ForeignKey("projects.Organisation", on_delete=models.PROTECT, related_name="+")
    tests = models.JSONField(help_text=_("the test codes asked of the lab"))
    specimens = models.PositiveIntegerField(default=1)
    is_retest = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "taken_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "code"], name="one_sample_per_code")]

    def __str__(self):
        return self.code

    @property
    def is_witnessed(self) -> bool:
        return self.witness_id is not None and self.witness_confirmed_at is not None


class LabReport(StoredFile):
    """The lab's report on one sample: measured values and pass / fail per test."""

    sample = models.OneToOneField(Sample, on_delete=models.PROTECT, related_name="report")
    report_number = models.CharField(max_length=100)
    issued_on = models.DateField()
    results = models.JSONField(help_text=_("[{test, value, unit, requirement, passed}]"))
    is_passed = models.BooleanField()

    class Meta:
        ordering = ["sample", "issued_on"]
        constraints = [models.UniqueConstraint(fields=["sample", "report_number"], name="one_report_number")]
