"""IFC models, their uploaded versions, and what ingest reads out of each version: storeys,
spaces and physical elements with materials, property sets and plan footprints."""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plumbline.core.models import StoredFile

from .ifc.failures import FAILURES


class Discipline(models.TextChoices):
    ARCHITECTURE = "architecture", _("architecture")
    STRUCTURE = "structure", _("structure")
    MEP = "mep", _("MEP")
    CIVIL = "civil", _("civil")
    OTHER = "other", _("other")


class IfcModel(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="ifc_models")
    name = models.CharField(max_length=100)
    discipline = models.CharField(max_length=20, choices=Discipline.choices, default=Discipline.ARCHITECTURE)
    created_at = models.DateTimeField(auto_now_add=True)
    # a model whose every version failed (a junk upload) is retired by the contractor: out of the
    # model list, its versions and files kept; an upload under its name brings it back
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="one_model_name_per_project")]

    def __str__(self):
        return f"{self.project.code} {self.name}"

    @property
    def is_failed(self) -> bool:
        """Every version failed (reads the prefetched versions when there are)."""
        statuses = {v.status for v in self.versions.all()}
        return statuses == {VersionStatus.FAILED}


class VersionStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    PARSING = "parsing", _("reading elements")
    GEOMETRY = "geometry", _("computing footprints")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


VERSION_MOVES: dict[str, set[str]] = {
    VersionStatus.UPLOADED: {VersionStatus.PARSING, VersionStatus.FAILED},
    VersionStatus.PARSING: {VersionStatus.PARSING, VersionStatus.GEOMETRY, VersionStatus.FAILED},
    VersionStatus.GEOMETRY: {VersionStatus.READY, VersionStatus.FAILED},
    VersionStatus.READY: set(),
    VersionStatus.FAILED: set(),
}


# The phases of an ingest, one after another, from the upload call to `ready`: each phase's seconds
# run from the end of the one before it, so together they account for the whole wall time.
# "queued" is the wait for a worker (and any run of the metadata read lost to a crash); "geometry"
# is the elapsed time of the footprint chunks, which N workers share out ("geometry_work" sums the
# chunks' own seconds). "total" is their sum.
INGEST_PHASES = ("upload", "queued", "metadata", "geometry", "assemblies", "diff", "finish")


class ModelVersion(models.Model):
    model = models.ForeignKey(IfcModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    file_key = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=VersionStatus.choices, default=VersionStatus.UPLOADED)
    phase = models.CharField(max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True, help_text=_("why it failed, in English (see failure_code)"))
    failure_code = models.CharField(max_length=40, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    schema = models.CharField(max_length=20, blank=True)
    length_unit_scale = models.FloatField(null=True, blank=True, help_text=_("metres per length unit of the file"))
    counts = models.JSONField(default=dict, blank=True)
    seconds = models.JSONField(default=dict, blank=True, help_text=_("seconds per ingest phase"))
    geometry_chunks = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(
        null=True, blank=True, help_text=_("when the ingest last moved on: a version quiet for long has lost its task")
    )
    ingest_run = models.PositiveIntegerField(
        default=0, help_text=_("which start of the metadata read owns the version: an older run still going stops")
    )
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    diff = models.JSONField(default=dict, blank=True, help_text=_("what changed since the previous ready version"))
    warnings = models.JSONField(
        default=list,
        blank=True,
        help_text=_("what ingest noticed and worked around: the first ones, see warning_count"),
    )
    warning_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="one_version_number_per_model")]

    def __str__(self):
        return f"{self.model} v{self.number}"

    def failure_message(self) -> str:
        """Why the version failed, in the active language."""
        return failure_message(self.failure_code, self.failure_params, self.failure_reason)

    def warning_messages(self) -> list[str]:
        """The first warnings, in the active language."""
        return [warning_message(w) for w in (self.warnings or [])[:WARNINGS_KEPT]]


WARNINGS_KEPT = 50  # a version keeps its first warnings and counts the rest

WARNING_MESSAGES = {
    "footprint_fallback": _("Outlining %(ifc_class)s %(global_id)s failed (%(reason)s); it got %(fallback)s instead."),
    "repeated_storey": _(
        "Storey %(global_id)s (%(name)s) is in the file more than once (a merged model?): it is one storey, "
        "named %(kept_name)s as it is the first time."
    ),
    "repeated_space": _(
        "Space %(global_id)s (%(name)s) is in the file more than once (a merged model?): the first one is kept."
    ),
    "repeated_element": _(
        "%(ifc_class)s %(global_id)s (%(name)s) is in the file more than once (a merged model?): the first one is "
        "kept and this one left out."
    ),
    "unparsed_entities": _(
        "The IFC reader could not read %(count)s entities or references of the file, which may be damaged or cut "
        "short: their elements may lack properties or geometry."
    ),
    "unparsed_entity": _("The IFC reader could not read: %(line)s"),
    "no_elements": _(
        "The file has no physical elements (walls, slabs, doors, pipes...): there is nothing to find on a plan. "
        "Was the model exported without its elements, or is it damaged?"
    ),
    "element_read_partly": _(
        "%(ifc_class)s %(global_id)s could not be read in full (%(reason)s): its storey, type, materials and "
        "properties are left out."
    ),
    "missing_geometry": _(
        "%(missing)s of %(total)s elements that have a body (%(percent)s%%) came out without geometry: the file "
        "may be damaged or cut short."
    ),
}
FOOTPRINT_FALLBACKS = {
    "kernel": _("the geometry kernel's outline"),
    "hull": _("its convex hull (approximate)"),
    "none": _("no footprint"),
}


def version_warning(code: str, *, global_id: str = "", ifc_class: str = "", **params) -> dict:
    """One warning as a version stores it: its code, what it is about, the values of its message,
    and the message in English (read in the reader's language by warning_message)."""
    warning = {"code": code, "global_id": global_id, "ifc_class": ifc_class, "params": params}
    with translation.override("en"):
        warning["message"] = warning_message(warning)
    return warning


def failure_message(code: str, params: dict | None, fallback: str) -> str:
    """A stored failure (bim.ifc.failures) in the active language; a failure stored before codes
    existed shows its English text."""
    template = FAILURES.get(code or "")
    if template is None:
        return fallback
    try:
        return gettext(template) % (params or {})
    except (KeyError, TypeError, ValueError):
        return fallback


def warning_message(warning: dict) -> str:
    """A stored warning's message in the active language."""
    template = WARNING_MESSAGES.get(warning.get("code", ""))
    if template is None:
        return warning.get("message", "")
    params = {"global_id": warning.get("global_id", ""), "ifc_class": warning.get("ifc_class", "")}
    params.update(warning.get("params") or {})
    if "fallback" in params:
        params["fallback"] = FOOTPRINT_FALLBACKS.get(params["fallback"], params["fallback"])
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return warning.get("message", "")


class GeometryChunk(models.Model):
    """One slice of a version's footprint work, run as its own task; done once."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    is_done = models.BooleanField(default=False)
    footprints = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    bodies = models.PositiveIntegerField(default=0, help_text=_("products with a body (or a lost one)"))
    bodies_without_geometry = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "index"], name="one_chunk_per_index")]

    def __str__(self):
        return f"{self.version} chunk {self.index}"


class Storey(models.Model):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="storeys")
    global_id = models.CharField(max_length=22)
    name = models.CharField(max_length=255, blank=True)
    elevation = models.FloatField(null=True, blank=True, help_text=_("metres"))
    building_global_id = models.CharField(max_length=22, blank=True)

    class Meta:
        ordering = ["version", "elevation", "name"]
        constraints = [models.UniqueConstraint(fields=["version", "global_id"], name="one_storey_per_global_id")]

    def __str__(self):
        return self.name or self.global_id


class Footprinted(models.Model):
    """A plan outline (WKT, metres) with its z range and bounding box for spatial look-ups."""

    footprint = models.TextField(blank=True)
    is_footprint_approximate = models.BooleanField(default=False)
    z_min = models.FloatField(null=True, blank=True)
    z_max = models.FloatField(null=True, blank=True)
    min_x = models.FloatField(null=True, blank=True)
    min_y = models.FloatField(null=True, blank=True)
    max_x = models.FloatField(null=True, blank=True)
    max_y = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class Space(Footprinted):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="spaces")
    global_id = models.CharField(max_length=22)
    name = models.CharField(max_length=255, blank=True)
    long_name = models.CharField(max_length=255, blank=True)
    storey = models.ForeignKey(Storey, on_delete=models.CASCADE, null=True, related_name="spaces")
    zones = models.JSONField(default=list)
    psets = models.JSONField(default=dict)
    qsets = models.JSONField(default=dict)

    class Meta:
        ordering = ["version", "name"]
        constraints = [models.UniqueConstraint(fields=["version", "global_id"], name="one_space_per_global_id")]
        indexes = [models.Index(fields=["version", "storey", "min_x", "max_x", "min_y", "max_y"])]

    def __str__(self):
        return self.long_name or self.name or self.global_id


class Element(Footprinted):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="elements")
    global_id = models.CharField(max_length=22)
    ifc_class = models.CharField(max_length=64)
    predefined_type = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255, blank=True)
    type_name = models.CharField(max_length=255, blank=True)
    storey = models.ForeignKey(Storey, on_delete=models.CASCADE, null=True, related_name="elements")
    space = models.ForeignKey(Space, on_delete=models.SET_NULL, null=True, related_name="elements")
    assembly_global_id = models.CharField(max_length=22, blank=True)
    materials = models.JSONField(default=list)
    material_names = models.TextField(blank=True, help_text=_("material names, one per line, for filtering"))
    psets = models.JSONField(default=dict)
    qsets = models.JSONField(default=dict)

    class Meta:
        ordering = ["version", "ifc_class", "name"]
        constraints = [models.UniqueConstraint(fields=["version", "global_id"], name="one_element_per_global_id")]
        indexes = [
            models.Index(fields=["version", "ifc_class"]),
            models.Index(fields=["version", "storey", "min_x", "max_x", "min_y", "max_y"]),
        ]

    def __str__(self):
        return f"{self.ifc_class} {self.name or self.global_id}"


class GlobalIdRemap(models.Model):
    """An accepted proposal: an element of the previous version lives on under a new GlobalId, so
    the records attached to it (findings, material uses, lots) follow it."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="remaps")
    old_global_id = models.CharField(max_length=22)
    new_global_id = models.CharField(max_length=22)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "old_global_id"], name="one_remap_per_old_global_id"),
            models.UniqueConstraint(fields=["version", "new_global_id"], name="one_remap_per_new_global_id"),
        ]

    def __str__(self):
        return f"{self.old_global_id} -> {self.new_global_id} in {self.version}"


class IdsFile(StoredFile):
    """Information delivery specification (buildingSMART IDS) a project checks its models against."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="ids_files")
    name = models.CharField(max_length=200)
    specifications = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "-uploaded_at"]

    def __str__(self):
        return self.name


class IdsRunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class IdsRun(models.Model):
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="ids_runs")
    ids_file = models.ForeignKey(IdsFile, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=IdsRunStatus.choices, default=IdsRunStatus.QUEUED)
    summary = models.JSONField(default=list, blank=True, help_text=_("per specification: applicable, passed, failed"))
    failure_reason = models.TextField(blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.ids_file} on {self.version}"

    def failure_message(self) -> str:
        """Why the check failed, in the active language."""
        return failure_message(self.failure_code, self.failure_params, self.failure_reason)


class IdsResult(models.Model):
    """Whether one element meets one requirement of one specification."""

    run = models.ForeignKey(IdsRun, on_delete=models.CASCADE, related_name="results")
    specification = models.CharField(max_length=255)
    requirement = models.TextField()
    global_id = models.CharField(max_length=22)
    is_passed = models.BooleanField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "specification", "global_id"]
        indexes = [models.Index(fields=["run", "is_passed", "global_id"])]

    def __str__(self):
        return f"{self.global_id} {'passes' if self.is_passed else 'fails'} {self.specification}"
