"""Acceptance API: a building's GB 50300 tree, its split, lots generated from the model, lot
inspection records, documents, and one signing operation for every level."""

from typing import Annotated

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from plumbline.core.limits import CODE_LENGTH, TITLE_LENGTH
from projects import queries as project_queries
from projects.rights import project_right

from . import actions, queries, rules
from .schemas import (
    CatalogueEntryOut,
    DesignationIn,
    DesignationOut,
    DocumentOut,
    GenerationOut,
    LotIn,
    LotInspectionIn,
    LotInspectionOut,
    LotOut,
    LotRuleIn,
    NodeOut,
    NodeRefOut,
    PhotoOut,
    PlanIn,
    SignIn,
    TreeNodeOut,
    TreeOut,
)

ERRORS = {401: dict, 403: dict, 404: dict, 409: dict, 422: dict}

router = Router(tags=["acceptance"])


@router.get(
    "/acceptance/catalogue",
    response={200: list[CatalogueEntryOut], 401: dict},
    operation_id="list_acceptance_catalogue",
    summary="The GB 50300 appendix B catalogue: divisions, sub-divisions and sub-items by code",
)
def list_acceptance_catalogue(request: HttpRequest):
    return [vars(entry) for entry in rules.catalogue().values()]


@router.get(
    "/projects/{code}/acceptance/designations",
    response={200: list[DesignationOut], **ERRORS},
    operation_id="list_site_designations",
    summary="Who the contractor has named its quality inspectors, foremen and technical leads, and when",
)
def list_site_designations(request: HttpRequest, code: str):
    project = project_queries.get_project(code, user=request.user, action="acceptance.view")
    return queries.list_site_designations(project, user=request.user)


@router.post(
    "/projects/{code}/acceptance/designations",
    response={201: DesignationOut, **ERRORS},
    operation_id="designate_site_staff",
    summary="Name a contractor member quality inspector, foreman or technical lead from a date",
)
@project_right("acceptance.designate")
def designate_site_staff(request: HttpRequest, code: str, payload: DesignationIn):
    project = project_queries.get_project(code, user=request.user)
    return Status(201, actions.designate_site_staff(project, **payload.dict(), actor=request.user))


@router.get(
    "/projects/{code}/buildings/{building_id}/acceptance",
    response={200: TreeOut, **ERRORS},
    operation_id="get_acceptance_tree",
    summary="A building's acceptance tree: unit project, divisions, sub-divisions, sub-items, lots",
)
def get_acceptance_tree(request: HttpRequest, code: str, building_id: int):
    project = project_queries.get_project(code, user=request.user, action="acceptance.view")
    building = queries.get_building(project, building_id, user=request.user)
    return {"building_id": building.pk, "building": building.name, "unit_project": queries.acceptance_tree(building)}


@router.post(
    "/projects/{code}/buildings/{building_id}/acceptance/plan",
    response={200: TreeNodeOut, **ERRORS},
    operation_id="propose_acceptance_plan",
    summary="The contractor proposes the split: the catalogue sub-items the building needs",
)
@project_right("acceptance.plan")
def propose_acceptance_plan(request: HttpRequest, code: str, building_id: int, payload: PlanIn):
    project = project_queries.get_project(code, user=request.user)
    unit, _ = actions.propose_acceptance_plan(
        project, building_id=building_id, sub_items=[i.dict() for i in payload.sub_items], actor=request.user
    )
    return queries.acceptance_tree(unit.building)


@router.post(
    "/projects/{code}/buildings/{building_id}/acceptance/plan/approve",
    response={200: TreeNodeOut, **ERRORS},
    operation_id="approve_acceptance_plan",
    summary="The chief supervising engineer approves the building's split",
)
@project_right("acceptance.approve_plan")
def approve_acceptance_plan(request: HttpRequest, code: str, building_id: int):
    project = project_queries.get_project(code, user=request.user)
    unit = actions.approve_acceptance_plan(project, building_id=building_id, actor=request.user)
    return queries.acceptance_tree(unit.building)


@router.post(
    "/projects/{code}/buildings/{building_id}/acceptance/lots",
    response={200: GenerationOut, **ERRORS},
    operation_id="generate_inspection_lots",
    summary="Generate a sub-item's inspection lots from the model (one per storey or zone); re-run on a new version",
)
@project_right("acceptance.generate")
def generate_inspection_lots(request: HttpRequest, code: str, building_id: int, payload: LotRuleIn):
    project = project_queries.get_project(code, user=request.user)
    result = actions.generate_inspection_lots(project, building_id=building_id, **payload.dict(), actor=request.user)
    return {
        "rule_id": result["rule"].pk,
        "version_id": result["version"].pk,
        "created": result["created"],
        "extended": [{"id": lot.pk, "code": lot.code, "name": lot.name, "added": n} for lot, n in result["extended"]],
        "vanished": [
            {"id": lot.pk, "code": lot.code, "name": lot.name, "global_ids": gids} for lot, gids in result["vanished"]
        ],
    }


@router.post(
    "/projects/{code}/acceptance/{node_id}/lots",
    response={201: NodeRefOut, **ERRORS},
    operation_id="add_inspection_lot",
    summary="Add a lot by hand to a sub-item: a construction section with its quantity, or chosen elements",
)
@project_right("acceptance.generate")
def add_inspection_lot(request: HttpRequest, code: str, node_id: int, payload: LotIn):
    project = project_queries.get_project(code, user=request.user)
    return Status(201, actions.add_inspection_lot(project, sub_item_id=node_id, **payload.dict(), actor=request.user))


@router.get(
    "/projects/{code}/acceptance/lots/{lot_id}",
    response={200: LotOut, **ERRORS},
    operation_id="get_inspection_lot",
    summary="An inspection lot: its elements, sample size, records, signatures and what blocks it",
)
def get_inspection_lot(request: HttpRequest, code: str, lot_id: int):
    project = project_queries.get_project(code, user=request.user, action="acceptance.view")
    lot = queries.get_lot(project, lot_id, user=request.user)
    return queries.lot_detail(lot, user=request.user)


@router.post(
    "/projects/{code}/acceptance/lots/{lot_id}/inspection",
    response={200: LotInspectionOut, 201: LotInspectionOut, **ERRORS},
    operation_id="record_lot_inspection",
    summary="Record a lot's check: main-control and general items with their sampled points (idempotent by UUID)",
)
@project_right("acceptance.inspect")
def record_lot_inspection(request: HttpRequest, code: str, lot_id: int, payload: LotInspectionIn):
    project = project_queries.get_project(code, user=request.user)
    data = payload.dict()
    data["items"] = [item.dict() | {"points": [p.dict() for p in item.points]} for item in payload.items]
    inspection, created = actions.record_lot_inspection(project, lot_id=lot_id, **data, actor=request.user)
    return Status(201 if created else 200, inspection)


@router.post(
    "/projects/{code}/acceptance/lots/{lot_id}/photos",
    response={200: PhotoOut, 201: PhotoOut, 413: dict, **ERRORS},
    operation_id="add_lot_photo",
    summary="A photo of the lot on site (JPEG or PNG; idempotent by UUID)",
)
@project_right("acceptance.inspect")
def add_lot_photo(
    request: HttpRequest,
    code: str,
    lot_id: int,
    client_uuid: Annotated[str, Form(max_length=CODE_LENGTH)],
    file: File[UploadedFile],
):
    project = project_queries.get_project(code, user=request.user)
    photo, created = actions.add_lot_photo(
        project,
        lot_id=lot_id,
        client_uuid=client_uuid,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201 if created else 200, photo)


@router.post(
    "/projects/{code}/acceptance/{node_id}/documents",
    response={201: DocumentOut, 413: dict, **ERRORS},
    operation_id="upload_acceptance_document",
    summary="File a document a level needs (safety and function tests, quality reports, pre-acceptance, self-check)",
)
@project_right("acceptance.document")
def upload_acceptance_document(
    request: HttpRequest,
    code: str,
    node_id: int,
    kind: Annotated[str, Form(max_length=40)],
    file: File[UploadedFile],
    title: Annotated[str, Form(max_length=TITLE_LENGTH)] = "",
):
    project = project_queries.get_project(code, user=request.user)
    document = actions.upload_acceptance_document(
        project,
        node_id=node_id,
        kind=kind,
        title=title,
        stream=file,
        size=file.size,
        original_name=file.name,
        actor=request.user,
    )
    return Status(201, document)


@router.post(
    "/projects/{code}/acceptance/{node_id}/sign",
    response={200: NodeOut, **ERRORS},
    operation_id="sign_acceptance",
    summary="Sign any level of the tree in the capacity you hold on the date; 409 with reasons when refused",
)
@project_right("acceptance.sign")
def sign_acceptance(request: HttpRequest, code: str, node_id: int, payload: SignIn):
    project = project_queries.get_project(code, user=request.user)
    node, _ = actions.sign_acceptance(
        project, node_id=node_id, signed_on=payload.signed_on, capacity=payload.capacity, actor=request.user
    )
    return queries.node_detail(node)
