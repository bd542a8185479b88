"""Organisations, people, projects and who works on which project in which role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plumbline.permissions import Role

from .validators import validate_credit_code, validate_id_number, validate_region_code


class OrganisationKind(models.TextChoices):
    OWNER = "owner", _("owner / developer (建设单位)")
    SURVEY = "survey", _("survey (勘察单位)")
    DESIGN = "design", _("design (设计单位)")
    CONTRACTOR = "contractor", _("contractor (施工单位)")
    SUPERVISOR = "supervisor", _("supervisor (监理单位)")
    TESTING_LAB = "testing_lab", _("testing lab (检测机构)")
    INSURER = "insurer", _("insurer (保险公司)")
    TIS = "tis", _("technical inspection service (风险管理机构)")
    HOUSING_AUTHORITY = "housing_authority", _("housing authority (住建部门)")


class Organisation(models.Model):
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    region_code = models.CharField(
        max_length=6, blank=True, help_text=_("For a housing authority: the region it supervises (GB/T 2260).")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == OrganisationKind.HOUSING_AUTHORITY:
            if not self.region_code:
                raise ValidationError({"region_code": "A housing authority needs the region code it supervises."})
            validate_region_code(self.region_code)
        elif self.region_code:
            validate_region_code(self.region_code)

    @property
    def is_housing_authority(self) -> bool:
        return self.kind == OrganisationKind.HOUSING_AUTHORITY


class Person(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person")
    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        help_text=_("Empty for private persons such as home owners."),
    )
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True, validators=[validate_id_number])
    qualification = models.CharField(max_length=200, blank=True)
    certificate_number = models.CharField(max_length=100, blank=True)
    is_organisation_admin = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


# Which kind of organisation a member must work for, per role (home owners act for themselves).
ROLE_ORGANISATION_KINDS: dict[str, set[str] | None] = {
    Role.OWNER: {OrganisationKind.OWNER},
    Role.SURVEY: {OrganisationKind.SURVEY},
    Role.DESIGN: {OrganisationKind.DESIGN},
    Role.CONTRACTOR: {OrganisationKind.CONTRACTOR},
    Role.INSPECTOR: {OrganisationKind.SUPERVISOR},
    Role.CHIEF_INSPECTOR: {OrganisationKind.SUPERVISOR},
    Role.TIS_INSPECTOR: {OrganisationKind.TIS},
    Role.INSURER: {OrganisationKind.INSURER},
    Role.HOME_OWNER: None,
}


class ProjectStage(models.TextChoices):
    PREPARATION = "preparation", _("preparation")
    CONSTRUCTION = "construction", _("construction")
    COMPLETED = "completed", _("completed")
    WARRANTY = "warranty", _("warranty")


STAGE_MOVES: dict[str, set[str]] = {
    ProjectStage.PREPARATION: {ProjectStage.CONSTRUCTION},
    ProjectStage.CONSTRUCTION: {ProjectStage.COMPLETED},
    ProjectStage.COMPLETED: {ProjectStage.WARRANTY},
    ProjectStage.WARRANTY: set(),
}


class Project(models.Model):
    code = models.SlugField(max_length=50, unique=True, help_text=_("Short code used in URLs and commands."))
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    region_code = models.CharField(max_length=6, validators=[validate_region_code])
    site_location = models.JSONField(null=True, blank=True, help_text=_("GeoJSON Point or Polygon (WGS 84)."))
    building_count = models.PositiveIntegerField(default=1)
    design_service_life_years = models.PositiveIntegerField(default=50)
    stage = models.CharField(max_length=20, choices=ProjectStage.choices, default=ProjectStage.PREPARATION)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ProjectMembership(models.Model):
    """A person works on a project for an organisation in a role; ended memberships stay on record."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=[(r.value, r.label) for r in Role if r != Role.AUDITOR])
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "role", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "role"],
                condition=models.Q(ended_at__isnull=True),
                name="one_active_membership_per_role",
            )
        ]

    def __str__(self):
        return f"{self.person.name} as {self.role} on {self.project.code}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
