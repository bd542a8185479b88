"""Reads of material batches scoped to the user (material.view), the witness report, and what the
acceptance of elements and of the unit project must wait for (failed, untested or under-witnessed
materials), for the acceptance, archive and insurance apps."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from bim import queries as bim_queries
from bim.models import Element, GlobalIdRemap, ModelVersion
from plumbline.core.errors import NotFound
from projects.models import Project
from projects.queries import authorize

from .models import (
    AuthorisationStatus,
    BatchElement,
    BatchStatus,
    EntryResult,
    LabReport,
    MaterialBatch,
    Sample,
    Witness,
    WitnessAuthorisation,
)
from .sampling import get_rule, rules


def _batches(project: Project) -> QuerySet[MaterialBatch]:
    return MaterialBatch.objects.filter(project=project).prefetch_related(
        Prefetch("samples", queryset=Sample.objects.select_related("report", "witness", "lab")),
        "certificates",
    )


def list_batches(
    project: Project, *, user, category: str | None = None, status: str | None = None
) -> QuerySet[MaterialBatch]:
    authorize(user, project, "material.view")
    qs = _batches(project)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_batch(project: Project, batch_id: int, *, user) -> MaterialBatch:
    authorize(user, project, "material.view")
    batch = _batches(project).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("No material batch %(id)s in project %(code)s.") % {"id": batch_id, "code": project.code})
    return batch


def category_name(category: str) -> str:
    rule = get_rule(category)
    return rule.name if rule else category


def batch_label(batch: MaterialBatch) -> str:
    return _("%(category)s %(product)s batch %(number)s") % {
        "category": category_name(batch.category),
        "product": batch.product,
        "number": batch.batch_number,
    }


def required_samples(batch: MaterialBatch) -> int:
    """The samples the rules ask of this batch; none of a batch turned away at entry."""
    if batch.entry_result == EntryResult.REJECTED:
        return 0
    rule = get_rule(batch.category)
    if rule is None:
        return 0
    return rule.required_samples(batch.quantity, batch.rule_variant, _storeys(batch) if rule.min_per_storey else 0)


def _storeys(batch: MaterialBatch) -> int:
    """How many storeys the elements a batch went into stand on (in each version it is linked in)."""
    links = BatchElement.objects.filter(batch=batch)
    return (
        Element.objects.filter(
            version_id__in=links.values("version_id"), global_id__in=links.values("global_id"), storey__isnull=False
        )
        .values("storey__name")
        .distinct()
        .count()
    )


@dataclass(frozen=True)
class SamplingState:
    required: int
    taken: int  # first samples (not retests)
    reported: int  # first samples with a lab report
    witnessed: int  # first samples whose witness confirmed

    @property
    def is_complete(self) -> bool:
        return self.reported >= self.required


def sampling_state(batch: MaterialBatch) -> SamplingState:
    first = [s for s in batch.samples.all() if not s.is_retest]
    return SamplingState(
        required=required_samples(batch),
        taken=len(first),
        reported=sum(1 for s in first if _has_report(s)),
        witnessed=sum(1 for s in first if s.is_witnessed),
    )


def _has_report(sample: Sample) -> bool:
    try:
        return sample.report is not None
    except Sample.report.RelatedObjectDoesNotExist:
        return False


def report_of(sample: Sample):
    return sample.report if _has_report(sample) else None


def witness_threshold() -> float:
    return settings.MATERIAL_WITNESS_MIN_PERCENT / 100


def witness_report(project: Project) -> list[dict]:
    """Per category (every mandatory one, then the others the project has): the samples the rules
    require, those taken, those witnessed, the witnessed share of the required, and whether a
    mandatory category is below the threshold."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for batch in _batches(project):
        state = sampling_state(batch)
        row = totals[batch.category]
        row[0] += state.required
        row[1] += state.taken
        row[2] += state.witnessed
    threshold = witness_threshold()
    report = []
    for code, rule in rules().items():
        if not rule.is_mandatory and code not in totals:
            continue
        required, taken, witnessed = totals.get(code, (0, 0, 0))
        share = witnessed / required if required else None
        report.append(
            {
                "category": code,
                "name": rule.name,
                "is_mandatory": rule.is_mandatory,
                "required": required,
                "taken": taken,
                "witnessed": witnessed,
                "share": share,
                "threshold": threshold,
                "is_below": rule.is_mandatory and share is not None and share < threshold,
            }
        )
    return report


def get_witness_report(project: Project, *, user) -> list[dict]:
    authorize(user, project, "material.view")
    return witness_report(project)


def witness_blockers(project: Project) -> list[dict]:
    """What keeps the unit project from acceptance: each mandatory category witnessed below the
    threshold (`witness_share_low`)."""
    return [
        {
            "code": "witness_share_low",
            "message": _(
                "%(category)s: %(witnessed)s of the %(required)s required samples were witnessed "
                "(%(share).0f%%), below the %(threshold).0f%% required."
            )
            % {
                "category": row["name"],
                "witnessed": row["witnessed"],
                "required": row["required"],
                "share": row["share"] * 100,
                "threshold": row["threshold"] * 100,
            },
            "category": row["category"],
        }
        for row in witness_report(project)
        if row["is_below"]
    ]


def _aliases(project: Project, global_ids: set[str]) -> set[str]:
    """The GlobalIds and every GlobalId accepted remaps join them to, before or after (one query)."""
    links: dict[str, set[str]] = defaultdict(set)
    for old, new in GlobalIdRemap.objects.filter(version__model__project=project).values_list(
        "old_global_id", "new_global_id"
    ):
        links[old].add(new)
        links[new].add(old)
    found, todo = set(global_ids), list(global_ids)
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def batches_linked_to(project: Project, global_ids) -> QuerySet[MaterialBatch]:
    """The batches that went into any of these elements (or what they were before a remap), with
    their samples, reports and certificates: for the insurance evidence pack."""
    ids = _aliases(project, set(global_ids))
    linked = BatchElement.objects.filter(batch__project=project, global_id__in=ids).values("batch_id")
    return _batches(project).filter(pk__in=linked)


def acceptance_blockers(project: Project, global_ids: set[str]) -> list[dict]:
    """What keeps these elements' lots from acceptance: a linked batch that failed a test and has
    no disposition (`material_failed`), or that still waits for its entry inspection or a
    required test report (`material_untested`)."""
    blockers = []
    for batch in batches_linked_to(project, global_ids).order_by("pk"):
        label = batch_label(batch)
        if batch.status == BatchStatus.FAILED:
            blockers.append(
                {
                    "code": "material_failed",
                    "message": _("%(batch)s failed a test and has no disposition yet.") % {"batch": label},
                    "batch_id": batch.pk,
                }
            )
        elif batch.status == BatchStatus.DELIVERED:
            blockers.append(
                {
                    "code": "material_untested",
                    "message": _("%(batch)s still waits for its entry inspection.") % {"batch": label},
                    "batch_id": batch.pk,
                }
            )
        elif batch.status != BatchStatus.RETURNED:
            state = sampling_state(batch)
            if not state.is_complete:
                blockers.append(
                    {
                        "code": "material_untested",
                        "message": _("%(batch)s has %(reported)s of its %(required)s required lab reports.")
                        % {"batch": label, "reported": state.reported, "required": state.required},
                        "batch_id": batch.pk,
                    }
                )
    return blockers


def flagged_global_ids(project: Project, version: ModelVersion) -> set[str]:
    """GlobalIds in `version` of the elements a failed batch (without its disposition) went into,
    followed from the version each was linked in: what the plan page marks."""
    by_version: dict[int, list[str]] = defaultdict(list)
    for version_id, global_id in BatchElement.objects.filter(
        batch__project=project, batch__status=BatchStatus.FAILED, version__model_id=version.model_id
    ).values_list("version_id", "global_id"):
        by_version[version_id].append(global_id)
    flagged: set[str] = set()
    for since in ModelVersion.objects.filter(pk__in=by_version):
        if since.pk == version.pk:
            flagged.update(by_version[since.pk])
            continue
        for followed in bim_queries.follow_elements(version, since, by_version[since.pk]).values():
            if followed.global_id:
                flagged.add(followed.global_id)
    if version.pk in by_version:
        present = set(version.elements.filter(global_id__in=flagged).values_list("global_id", flat=True))
        flagged &= present
    return flagged


def list_flagged_elements(project: Project, version_id: int, *, user) -> dict:
    authorize(user, project, "material.view")
    version = bim_queries.get_version(project, version_id, user=user)
    return {"version_id": version.pk, "global_ids": sorted(flagged_global_ids(project, version))}


def batch_elements(batch: MaterialBatch) -> list[dict]:
    """The elements a batch is linked to, with their class, name and storey (one query)."""
    links = list(batch.elements.select_related("version__model"))
    by_version: dict[int, list[str]] = defaultdict(list)
    for link in links:
        by_version[link.version_id].append(link.global_id)
    rows = {}
    for version_id, ids in by_version.items():
        for element in bim_queries.list_elements(ModelVersion.objects.get(pk=version_id)).filter(global_id__in=ids):
            rows[(version_id, element.global_id)] = element
    out = []
    for link in links:
        element = rows.get((link.version_id, link.global_id))
        out.append(
            {
                "version_id": link.version_id,
                "global_id": link.global_id,
                "ifc_class": element.ifc_class if element else "",
                "name": element.name if element else "",
                "storey": element.storey.name if element and element.storey else "",
                "by_rule": link.rule is not None,
            }
        )
    return out


def witnesses_on(project: Project, day) -> dict[int, Witness]:
    """The people authorised in writing as witnesses on `day`: person id -> their authorisation."""
    return {
        w.person_id: w
        for w in Witness.objects.filter(
            authorisation__project=project,
            authorisation__status=AuthorisationStatus.ACTIVE,
            authorisation__signed_on__lte=day,
        ).select_related("person", "authorisation")
    }


def list_witness_authorisations(project: Project, *, user) -> QuerySet[WitnessAuthorisation]:
    authorize(user, project, "material.view")
    return WitnessAuthorisation.objects.filter(project=project).prefetch_related("witnesses__person")


def batches_for_archive(project: Project) -> QuerySet[MaterialBatch]:
    """Every batch of the project, returned ones included, with certificates, samples and reports."""
    return _batches(project).order_by("delivered_on", "pk")


def witness_authorisations_for_archive(project: Project) -> QuerySet[WitnessAuthorisation]:
    return WitnessAuthorisation.objects.filter(project=project).prefetch_related("witnesses__person").order_by("pk")


# --- for the region dashboard and the quality credit: many projects at once ---------------------


def material_problems_of(project_ids) -> dict[int, dict]:
    """Of many projects in three aggregate queries whatever their number: the failed batches
    still without a disposition (returned, retest passed or treated) and the witness report of
    every mandatory category (as witness_report, without the per-batch queries):
    {project_id: {"failed": [batch label, ...], "witness": [{category, name, required,
    witnessed, share, threshold, is_below}]}}."""
    from django.db.models import Count, Q

    found: dict[int, dict] = {pk: {"failed": [], "witness": []} for pk in project_ids}
    batches = list(
        MaterialBatch.objects.filter(project_id__in=list(found)).values(
            "pk",
            "project_id",
            "category",
            "rule_variant",
            "product",
            "batch_number",
            "quantity",
            "status",
            "entry_result",
        )
    )
    if not batches:
        return found
    ids = [b["pk"] for b in batches]
    samples = {
        row["batch_id"]: row
        for row in Sample.objects.filter(batch_id__in=ids, is_retest=False)
        .values("batch_id")
        .annotate(
            taken=Count("id"),
            witnessed=Count("id", filter=Q(witness__isnull=False, witness_confirmed_at__isnull=False)),
        )
        .order_by()
    }
    all_rules = rules()
    per_storey = [b["pk"] for b in batches if (r := all_rules.get(b["category"])) and r.min_per_storey]
    storeys: dict[int, set] = defaultdict(set)
    if per_storey:
        from django.db.models import OuterRef, Subquery

        storey_of = Element.objects.filter(
            version_id=OuterRef("version_id"), global_id=OuterRef("global_id"), storey__isnull=False
        ).values("storey__name")[:1]
        # one row per (batch, storey name) of the elements the batches went into
        rows = (
            BatchElement.objects.filter(batch_id__in=per_storey)
            .annotate(storey=Subquery(storey_of))
            .exclude(storey__isnull=True)
            .values_list("batch_id", "storey")
            .distinct()
            .order_by()
        )
        for batch_id, storey in rows:
            storeys[batch_id].add(storey)
    threshold = witness_threshold()
    totals: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for b in batches:
        rule = all_rules.get(b["category"])
        if b["status"] == BatchStatus.FAILED:
            found[b["project_id"]]["failed"].append(
                _("%(category)s %(product)s batch %(number)s")
                % {
                    "category": rule.name if rule else b["category"],
                    "product": b["product"],
                    "number": b["batch_number"],
                }
            )
        if rule is None or not rule.is_mandatory or b["entry_result"] == EntryResult.REJECTED:
            continue
        required = rule.required_samples(
            b["quantity"], b["rule_variant"], len(storeys[b["pk"]]) if rule.min_per_storey else 0
        )
        row = totals[b["project_id"]][b["category"]]
        row[0] += required
        row[1] += samples.get(b["pk"], {}).get("witnessed", 0)
    for project_id, categories in totals.items():
        for code, (required, witnessed) in categories.items():
            share = witnessed / required if required else None
            found[project_id]["witness"].append(
                {
                    "category": code,
                    "name": all_rules[code].name,
                    "required": required,
                    "witnessed": witnessed,
                    "share": share,
                    "threshold": threshold,
                    "is_below": share is not None and share < threshold,
                }
            )
    return found


def failed_mandatory_reports() -> list[dict]:
    """Lab reports that failed a test of a mandatory category (one query, for the quality
    credit): [{report_id, project_id, batch, issued_on, report_number}]."""
    mandatory = [code for code, rule in rules().items() if rule.is_mandatory]
    rows = (
        LabReport.objects.filter(is_passed=False, sample__batch__category__in=mandatory)
        .select_related("sample__batch")
        .order_by("pk")
    )
    return [
        {
            "report_id": r.pk,
            "project_id": r.sample.batch.project_id,
            "batch": batch_label(r.sample.batch),
            "issued_on": r.issued_on,
            "report_number": r.report_number,
        }
        for r in rows
    ]
