"""Tablet pages of acceptance: a building's tree with status colours, a lot's page (its elements
highlighted on the storey plan, the check items to fill on site, saved on the tablet until the
server confirms them, and the sign buttons for whoever may sign next), and the lots section of an
element's card on the plan. They call the same actions and queries as the API."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from bim import queries as bim_queries
from bim.models import Storey
from plumbline.core.errors import DomainError, NotFound, PermissionDenied
from plumbline.core.permissions import allowed_roles
from projects.queries import get_project, list_buildings, roles_in

from . import actions, queries
from .models import AcceptanceNode, Capacity, Level, LotInspection, NodeStatus


def _project(request, code, action="acceptance.view"):
    try:
        return get_project(code, user=request.user, action=action)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None


def _flat(node, depth=0):
    """The tree as rows to show indented, top down."""
    if node is None:
        return []
    rows = [
        {
            **node,
            "depth": depth,
            "indent": depth * 1.25,
            "level_label": Level(node["level"]).label,
            "status_label": NodeStatus(node["status"]).label,
        }
    ]
    for child in node["children"]:
        rows += _flat(child, depth + 1)
    return rows


@login_required
@require_GET
def tree_page(request, code: str):
    project = _project(request, code)
    buildings = list(list_buildings(project, user=request.user))
    chosen = request.GET.get("building")
    building = next((b for b in buildings if str(b.pk) == chosen), buildings[0] if buildings else None)
    tree = queries.acceptance_tree(building) if building is not None else None
    rows = _flat(tree)
    may_sign = bool(roles_in(request.user, project) & allowed_roles("acceptance.sign"))
    upper = [r["id"] for r in rows if r["level"] != Level.INSPECTION_LOT and r["status"] != NodeStatus.ACCEPTED]
    if may_sign and upper:
        today = timezone.localdate()
        for node in AcceptanceNode.objects.filter(pk__in=upper).select_related("project"):
            row = next(r for r in rows if r["id"] == node.pk)
            row["sign_as"] = [(c, Capacity(c).label) for c in queries.next_capacities_for(node, request.user, today)]
            if row["sign_as"]:  # the button is greyed out with the reasons the signature would be refused
                row["sign_refused"] = [r["message"] for r in queries.sign_blockers(node, day=today)]
    return render(
        request,
        "acceptance/tree.html",
        {
            "project": project,
            "buildings": buildings,
            "building": building,
            "tree": tree,
            "rows": rows,
            "statuses": NodeStatus.choices,
        },
    )


def inspection_template(lot) -> list[dict]:
    """The check items a lot's form offers: those of the sub-item's latest record (the names,
    kinds, tolerances and pass rates, not the values), else one main-control and one measured
    general item to name on site."""
    last = (
        LotInspection.objects.filter(lot__parent=lot.parent, lot__building=lot.building)
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None:
        items = []
        for item in last.items:
            first = (item.get("points") or [{}])[0]
            items.append(
                {
                    "kind": item["kind"],
                    "name": item["name"],
                    "measured": bool(item.get("points")) and first.get("measured") is not None,
                    "by_eye": bool(item.get("points")) and first.get("measured") is None,
                    "tolerance_low": first.get("tolerance_low"),
                    "tolerance_high": first.get("tolerance_high"),
                    "pass_rate": item.get("pass_rate"),
                }
            )
        return items
    return [
        {
            "kind": "main",
            "name": gettext("As the specialist acceptance code requires"),
            "measured": False,
            "by_eye": False,
        },
        {
            "kind": "general",
            "name": gettext("Measured deviation (mm)"),
            "measured": True,
            "by_eye": False,
            "tolerance_low": -5,
            "tolerance_high": 5,
            "pass_rate": 0.8,
        },
    ]


def _plan(lot, version):
    storey = Storey.objects.filter(version=version, global_id=lot.storey_global_id).first() if version else None
    if storey is None:
        return "", ""
    svg = bim_queries.storey_plan_svg(storey)
    gids = [g for g in lot.elements.filter(is_present=True).values_list("global_id", flat=True)]
    # the lot's elements filled on the plan: one CSS rule (GlobalIds are letters, digits, _ and $)
    selectors = ",".join(
        f'#lot-plan [data-global-id="{g}"]' for g in gids if g.replace("_", "").replace("$", "").isalnum()
    )
    return svg, selectors


@login_required
@require_GET
def lot_page(request, code: str, lot_id: int):
    project = _project(request, code)
    try:
        lot = queries.get_lot(project, lot_id, user=request.user)
    except NotFound:
        raise Http404 from None
    detail = queries.lot_detail(lot, user=request.user)
    svg, selectors = _plan(lot, lot.version)
    may_inspect = bool(roles_in(request.user, project) & allowed_roles("acceptance.inspect"))
    return render(
        request,
        "acceptance/lot.html",
        {
            "project": project,
            "lot": lot,
            "detail": detail,
            "plan": mark_safe(svg),  # built by bim.ifc.plan, which escapes every value
            "highlight_selectors": mark_safe(selectors),  # GlobalIds checked to be [0-9A-Za-z_$] only
            "may_inspect": may_inspect and lot.status != NodeStatus.ACCEPTED,
            "template_items": inspection_template(lot),
            "points": range(detail["sample_size"]),
            "client_uuid": uuid.uuid4(),
            "today": timezone.localdate(),
            "sign_as": [(c, Capacity(c).label) for c in detail["may_sign_as"]],
            "sign_refused": [r["message"] for r in queries.sign_blockers(lot, day=timezone.localdate())]
            if detail["may_sign_as"]
            else [],
            "waiting_for": [Capacity(c).label for c in detail["waiting_for"]],
        },
    )


@login_required
@require_POST
def sign_node(request, code: str, node_id: int):
    """A sign button: sign today in the capacity the button names; a refusal comes back as one
    message naming its reasons."""
    project = _project(request, code, "acceptance.sign")
    back = request.POST.get("back") or reverse("acceptance-tree", args=[code])
    if not back.startswith("/"):
        back = reverse("acceptance-tree", args=[code])
    try:
        node, signature = actions.sign_acceptance(
            project, node_id=node_id, capacity=request.POST.get("capacity") or None, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.detail)  # it names every reason already: said once
        return redirect(back)
    messages.success(
        request,
        (
            gettext("Signed as architect in charge for the %(capacity)s.")
            if signature.is_on_behalf_of_owner
            else gettext("Signed as %(capacity)s.")
        )
        % {"capacity": Capacity(signature.capacity).label}
        + (" " + gettext("%(node)s is accepted.") % {"node": node.name} if node.status == NodeStatus.ACCEPTED else ""),
    )
    return redirect(back)


def element_lots_section(request, project, version, element) -> str:
    """The lots of an element, for its card on the plan ("" for who may not read acceptance)."""
    if not roles_in(request.user, project) & allowed_roles("acceptance.view"):
        return ""
    lots = queries.lots_covering(project, {element.global_id})
    return render_to_string(
        "acceptance/_element_lots.html",
        {"project": project, "lots": lots},
        request=request,
    )
