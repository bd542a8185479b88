"""Who may do what: the project roles and the one permission table (role x action).

Every action and every query asks `authorize` / `roles_in`; nothing else decides. A user with no
role in a project gets NotFound (the project does not exist for them, HTTP 404); a user with a
role that lacks the right gets PermissionDenied (HTTP 403). Housing-department auditors hold the
`auditor` role in every project of their region without a membership, and may only read.
A department inspector drawn for a project holds the `drawn_inspector` role there through a
membership the draw grants (ending when the result is signed or the period ends): it reads the
project's models and findings and opens findings of source "supervision" and photographs them,
nothing else.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("owner staff (建设单位)")
    SURVEY = "survey", _("survey staff (勘察单位)")
    DESIGN = "design", _("design staff (设计单位)")
    CONTRACTOR = "contractor", _("contractor staff (施工单位)")
    INSPECTOR = "inspector", _("supervising engineer (监理工程师)")
    CHIEF_INSPECTOR = "chief_inspector", _("chief supervising engineer (总监理工程师)")
    TIS_INSPECTOR = "tis_inspector", _("TIS inspector (风险管理机构)")
    INSURER = "insurer", _("insurer (保险公司)")
    HOME_OWNER = "home_owner", _("home owner (业主)")
    AUDITOR = "auditor", _("housing-department auditor (住建部门)")
    DRAWN_INSPECTOR = "drawn_inspector", _("drawn supervision inspector (监督检查员)")


R = Role
# the department's roles stand apart: they are not the project's members in their own right
EVERY_MEMBER = frozenset(set(Role) - {R.AUDITOR, R.DRAWN_INSPECTOR})
SUPERVISION = frozenset({R.DRAWN_INSPECTOR})
PARTIES = frozenset({R.OWNER, R.SURVEY, R.DESIGN, R.CONTRACTOR, R.INSPECTOR, R.CHIEF_INSPECTOR})
INSPECTORS = frozenset({R.INSPECTOR, R.CHIEF_INSPECTOR})

# action -> roles allowed. Read actions end in ".view" / ".read" and are the only ones an auditor
# may hold. Home owners are further limited to their own units by the insurance app's queries.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # projects and people
    "project.view": EVERY_MEMBER | {R.AUDITOR} | SUPERVISION,
    "project.update": frozenset({R.OWNER}),
    "project.change_stage": frozenset({R.OWNER}),
    "membership.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "membership.manage": frozenset({R.OWNER}),
    # audit trail and archive
    "audit.read": frozenset({R.OWNER, R.AUDITOR}),
    "archive.read": frozenset({R.OWNER, R.AUDITOR}),
    # lifetime liability (projects/, signage/)
    "register.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "register.manage": frozenset({R.OWNER}),
    "letter.upload": PARTIES,
    "sign.manage": frozenset({R.OWNER}),
    # design changes (projects/): the owner or the designer records one; the owner's project leader
    # or the architect in charge (a design staff member) signs it off, checked per person
    "design_change.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "design_change.propose": frozenset({R.OWNER, R.DESIGN}),
    "design_change.sign_off": frozenset({R.OWNER, R.DESIGN}),
    # buildings (projects/): every member reads them, the owner keeps the list
    "building.view": EVERY_MEMBER | {R.AUDITOR} | SUPERVISION,
    "building.manage": frozenset({R.OWNER}),
    # BIM
    "model.view": EVERY_MEMBER | {R.AUDITOR} | SUPERVISION,
    "model.upload": frozenset({R.CONTRACTOR}),
    "model.retire": frozenset({R.CONTRACTOR}),  # bim: a model with only failed versions
    "ids.manage": frozenset({R.OWNER, R.DESIGN, R.CHIEF_INSPECTOR}),
    # inspections
    "finding.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR} | SUPERVISION,
    "finding.open": INSPECTORS | {R.TIS_INSPECTOR},
    "finding.verify": INSPECTORS | {R.TIS_INSPECTOR},
    "finding.rectify": frozenset({R.CONTRACTOR}),
    "finding.photo": INSPECTORS | {R.TIS_INSPECTOR, R.CONTRACTOR},
    # inspections: a drawn supervision inspector opens findings of source "supervision" (and only
    # those) and adds photos to them; the project's own people photograph them too (rectification)
    "finding.open_supervision": SUPERVISION,
    "finding.photo_supervision": INSPECTORS | {R.TIS_INSPECTOR, R.CONTRACTOR} | SUPERVISION,
    "checklist.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "checklist.manage": INSPECTORS,
    "checklist.fill": INSPECTORS | {R.TIS_INSPECTOR},
    # inspections: giving a finding to a person of the responsible party (contractor staff only
    # within their own organisation, which inspections.actions.assign_finding checks)
    "finding.assign": INSPECTORS | {R.TIS_INSPECTOR, R.CONTRACTOR},
    # inspections: findings reports (PDF/XLSX) for the site meeting; making one stores a file, so
    # it is not a read and the auditor (reads only) browses the findings instead
    "finding.export": PARTIES | {R.TIS_INSPECTOR, R.INSURER},
    # building materials (acceptance/materials): the contractor registers, inspects on entry and
    # samples; the owner or chief supervising engineer authorises witnesses; the named witness
    # confirms; supervising engineers record lab reports and dispositions
    "material.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "material.register": frozenset({R.CONTRACTOR}),
    "material.inspect": frozenset({R.CONTRACTOR}),
    "material.link": frozenset({R.CONTRACTOR}) | INSPECTORS,
    "material.authorise": frozenset({R.OWNER, R.CHIEF_INSPECTOR}),
    "material.sample": frozenset({R.CONTRACTOR}),
    "material.witness": frozenset({R.OWNER}) | INSPECTORS,
    "material.report": INSPECTORS,
    "material.dispose": INSPECTORS,
    # insurance (insurance/): units, home owners, policies, claims. Home owners see and file only
    # on their own units; the contractor sees claims to repair them.
    "unit.view": frozenset({R.OWNER, R.INSURER, R.TIS_INSPECTOR, R.HOME_OWNER, R.AUDITOR}),
    "unit.manage": frozenset({R.OWNER}),
    "home_owner.bind": frozenset({R.OWNER}),
    "policy.view": frozenset({R.OWNER, R.INSURER, R.TIS_INSPECTOR, R.AUDITOR}),
    "policy.manage": frozenset({R.OWNER, R.INSURER}),
    "policy.tis_report": frozenset({R.TIS_INSPECTOR}),
    "claim.view": frozenset({R.OWNER, R.INSURER, R.TIS_INSPECTOR, R.HOME_OWNER, R.CONTRACTOR, R.AUDITOR}),
    "claim.file": frozenset({R.HOME_OWNER, R.OWNER}),
    "claim.photo": frozenset({R.HOME_OWNER, R.OWNER, R.CONTRACTOR}),  # who filed it, or who repairs it
    "claim.survey": frozenset({R.TIS_INSPECTOR}),
    "claim.decide": frozenset({R.INSURER}),
    "claim.assign_repair": frozenset({R.INSURER}),
    "claim.repair": frozenset({R.CONTRACTOR, R.OWNER}),
    "claim.confirm": frozenset({R.HOME_OWNER, R.OWNER}),
    "claim.evidence.read": frozenset({R.INSURER, R.TIS_INSPECTOR, R.OWNER, R.AUDITOR}),
    # pages: the home owner's home, and the queue of claims by deadline
    "home.view": frozenset({R.HOME_OWNER}),
    "claim_queue.view": frozenset({R.INSURER, R.TIS_INSPECTOR, R.OWNER, R.CONTRACTOR, R.AUDITOR}),
    # supervision (the housing department): a project's supervision page is the region's auditors';
    # anyone on the project may file a complaint; the owner subscribes the project's webhooks
    "supervision.view": frozenset({R.AUDITOR}),
    "complaint.file": EVERY_MEMBER,
    "webhook.manage": frozenset({R.OWNER}),
    # acceptance (acceptance/): the contractor splits and inspects, the chief supervising engineer
    # approves the split; every party signs in the capacity it holds (checked per signature)
    "acceptance.view": PARTIES | {R.TIS_INSPECTOR, R.INSURER, R.AUDITOR},
    "acceptance.plan": frozenset({R.CONTRACTOR}),
    "acceptance.approve_plan": frozenset({R.CHIEF_INSPECTOR}),
    "acceptance.generate": frozenset({R.CONTRACTOR}),
    "acceptance.inspect": frozenset({R.CONTRACTOR}),
    "acceptance.designate": frozenset({R.CONTRACTOR}),
    "acceptance.document": PARTIES,
    "acceptance.sign": PARTIES,
}

READ_SUFFIXES = (".view", ".read")
SUPERVISION_WRITES = frozenset({"finding.open_supervision", "finding.photo_supervision"})


def is_read(action: str) -> bool:
    return action.endswith(READ_SUFFIXES)


def allowed_roles(action: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"no row for action {action!r} in the permission table") from None


def _check_table() -> None:
    for action, roles in PERMISSIONS.items():
        if R.AUDITOR in roles and not is_read(action):
            raise AssertionError(f"auditors may only read, but the table lets them {action!r}")
        if R.DRAWN_INSPECTOR in roles and not (is_read(action) or action in SUPERVISION_WRITES):
            raise AssertionError(f"a drawn supervision inspector may not {action!r}")


_check_table()
