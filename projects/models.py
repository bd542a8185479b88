"""Organisations, people, projects and who works on which project in which role."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plumbline.core.models import StoredFile
from plumbline.core.permissions import Role

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

        if self.kind == OrganisationKind.HOUSING_AUTHORITY and not self.region_code:
            raise ValidationError({"region_code": _("A housing authority needs the region code it supervises.")})
        if self.region_code:
            try:
                validate_region_code(self.region_code)
            except ValidationError as exc:
                raise ValidationError({"region_code": exc.messages}) from None

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
    Role.DRAWN_INSPECTOR: {OrganisationKind.HOUSING_AUTHORITY},  # granted by a draw only
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
    construction_started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
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
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set ahead when an appointment ends on a later date.")
    )
    appointment = models.ForeignKey(
        "PartyAppointment",
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        help_text=_("The appointment this membership came with; it ends with it. Empty: held in its own right."),
    )

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
        return self.ended_at is None or self.ended_at > timezone.now()


class Party(models.TextChoices):
    """The five responsible parties (五方责任主体) and the title their project leader signs as."""

    OWNER = "owner", _("owner (建设单位)")
    SURVEYOR = "surveyor", _("surveyor (勘察单位)")
    DESIGNER = "designer", _("designer (设计单位)")
    CONTRACTOR = "contractor", _("contractor (施工单位)")
    SUPERVISOR = "supervisor", _("supervisor (监理单位)")
    # not one of the five: a registered architect of a design organisation whom the owner appoints
    # where the region runs the architect-in-charge system (建筑师负责制), signing off for it
    ARCHITECT = "architect", _("architect in charge (建筑师负责制)")


# the five responsible parties every project must have; the architect in charge is optional
FIVE_PARTIES = (Party.OWNER, Party.SURVEYOR, Party.DESIGNER, Party.CONTRACTOR, Party.SUPERVISOR)
# what a form offers where one of the five must answer (a finding's responsible party, a repair)
FIVE_PARTY_CHOICES = [(party.value, party.label) for party in FIVE_PARTIES]

PARTY_ORGANISATION_KIND = {
    Party.OWNER: OrganisationKind.OWNER,
    Party.SURVEYOR: OrganisationKind.SURVEY,
    Party.DESIGNER: OrganisationKind.DESIGN,
    Party.CONTRACTOR: OrganisationKind.CONTRACTOR,
    Party.SUPERVISOR: OrganisationKind.SUPERVISOR,
    Party.ARCHITECT: OrganisationKind.DESIGN,
}

LEADER_TITLE = {
    Party.OWNER: _("project leader (项目负责人)"),
    Party.SURVEYOR: _("survey project leader (项目负责人)"),
    Party.DESIGNER: _("design project leader (项目负责人)"),
    Party.CONTRACTOR: _("project manager (项目经理)"),
    Party.SUPERVISOR: _("chief supervising engineer (总监理工程师)"),
    Party.ARCHITECT: _("registered architect in charge (注册建筑师)"),
}


class PartyAppointment(models.Model):
    """One organisation and its project leader holding a party role from `start_date` to
    `end_date` (inclusive; empty while current). A change ends the old row and adds a new one."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="appointments")
    party = models.CharField(max_length=20, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="appointments")
    leader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appointments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    registration_number = models.CharField(
        _("registered architect's certificate number (注册建筑师证书编号)"),
        max_length=50,
        blank=True,
        help_text=_("The architect in charge's registration; empty for the five parties."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "party", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "party"],
                condition=models.Q(end_date__isnull=True),
                name="one_current_appointment_per_party",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="appointment_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {self.party}: {self.leader.name} ({self.start_date}–{self.end_date or ''})"


class LetterKind(models.TextChoices):
    AUTHORISATION = "authorisation", _("legal representative's authorisation letter (法定代表人授权书)")
    COMMITMENT = "commitment", _("lifetime quality liability commitment letter (质量终身责任承诺书)")


# the letters each appointment files: the five parties' leaders both; the architect in charge,
# appointed in person rather than by an organisation's legal representative, the commitment only
PARTY_LETTER_KINDS = {party: (LetterKind.AUTHORISATION, LetterKind.COMMITMENT) for party in FIVE_PARTIES}
PARTY_LETTER_KINDS[Party.ARCHITECT] = (LetterKind.COMMITMENT,)


class LetterStatus(models.TextChoices):
    FILED = "filed", _("filed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class LiabilityLetter(StoredFile):
    """A signed letter of one appointment, stored in object storage (rows keep key and hash)."""

    appointment = models.ForeignKey(PartyAppointment, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=20, choices=LetterKind.choices)
    signed_on = models.DateField()
    status = models.CharField(max_length=20, choices=LetterStatus.choices, default=LetterStatus.FILED)

    class Meta:
        ordering = ["appointment", "kind", "uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind"], condition=models.Q(status="filed"), name="one_filed_letter_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.appointment}"


class Building(models.Model):
    """A building of the project (单体, e.g. "1#"): the unit project (单位工程) of its acceptance,
    the building its permanent sign hangs on, and the IfcBuilding objects that stand for it in the
    project's models (by GlobalId, so every version of a model finds it)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="buildings")
    name = models.CharField(max_length=50, help_text=_("Building number or name, e.g. 1#"))
    use = models.CharField(max_length=100, blank=True, help_text=_("e.g. residential, office"))
    storeys_above_ground = models.PositiveIntegerField(default=0)
    storeys_below_ground = models.PositiveIntegerField(default=0)
    floor_area_m2 = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    ifc_global_ids = models.JSONField(
        default=list, blank=True, help_text=_("GlobalIds of the IfcBuilding objects that represent it in the models.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="one_building_per_name")]

    def __str__(self):
        return f"{self.project.code} {self.name}"


class RegionPolicy(models.Model):
    """What a region's housing department switched on for the projects of its region (the region
    of the department's code and every district in it; a district's own policy wins). Today one
    switch: the architect-in-charge system (建筑师负责制), off by default."""

    region_code = models.CharField(max_length=6, unique=True, validators=[validate_region_code])
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="region_policies")
    has_architect_in_charge = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code"]
        verbose_name_plural = "region policies"

    def __str__(self):
        return f"{self.region_code}: architect in charge {'on' if self.has_architect_in_charge else 'off'}"


class DesignChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    SIGNED_OFF = "signed_off", _("signed off")


DESIGN_CHANGE_MOVES = {
    DesignChangeStatus.PROPOSED: {DesignChangeStatus.SIGNED_OFF},
    DesignChangeStatus.SIGNED_OFF: set(),
}


class DesignChange(models.Model):
    """A change to the approved design (设计变更), signed off for the owner by its project leader or,
    where the project has one, by the architect in charge on the owner's behalf."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="design_changes")
    number = models.PositiveIntegerField(help_text=_("Numbered from 1 in each project."))
    description = models.TextField()
    status = models.CharField(max_length=20, choices=DesignChangeStatus.choices, default=DesignChangeStatus.PROPOSED)
    proposed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    signed_off_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    signed_off_on = models.DateField(null=True, blank=True)
    appointment = models.ForeignKey(
        PartyAppointment,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("The appointment the sign-off was made under (the owner's leader or the architect in charge)."),
    )
    is_on_behalf_of_owner = models.BooleanField(
        default=False, help_text=_("Signed off by the architect in charge on the owner's behalf.")
    )

    class Meta:
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="one_design_change_per_number")]

    def __str__(self):
        return f"{self.project.code} design change {self.number}"
