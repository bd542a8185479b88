"""A second building for acceptance tests: 2#, three storeys of columns and slabs built in code
with ifcopenshell.api, uploaded as its own model and linked to the building record."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from bim import actions as bim_actions
from bim.ifc.build import ModelBuilder
from projects.demo import letter_pdf

STOREYS = (("1F", 0.0), ("2F", 3.0), ("3F", 6.0))
COLUMNS = [(0.2, 0.2), (9.8, 0.2), (0.2, 7.8), (9.8, 7.8)]


def tower_model(storeys=STOREYS, columns=COLUMNS, name="2#"):
    """Building 2#: per storey a slab and a column at each of `columns`; returns the builder."""
    builder = ModelBuilder("IFC4", f"珠江新城 {name}")
    builder.building.Name = name
    for level, elevation in storeys:
        storey = builder.storey(level, elevation)
        builder.slab(storey, f"{level} slab", [(0, 0), (10, 0), (10, 8), (0, 8)])
        for i, (x, y) in enumerate(columns):
            builder.column(storey, f"{level} column K{i + 1}", x, y)
    return builder


@pytest.fixture
def users(world):
    names = [
        "owner", "contractor", "inspector", "chief_inspector", "surveyor", "designer", "outsider",
        "foreman", "quality_inspector", "technical_lead",
    ]  # fmt: skip
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


@pytest.fixture
def upload_model(world, django_capture_on_commit_callbacks):
    """Upload a model built in code as the demo contractor; it comes back ingested."""

    def do(builder, model_name="2# Structure", name="2#.ifc"):
        data = builder.model.to_string().encode()
        with django_capture_on_commit_callbacks(execute=True):
            version, _ = bim_actions.upload_model_version(
                world["project"],
                stream=io.BytesIO(data),
                original_name=name,
                model_name=model_name,
                size=len(data),
                actor=world["users"]["contractor"],
            )
        version.refresh_from_db()
        assert version.status == "ready", version.failure_reason
        return version

    return do


@pytest.fixture
def tower(world, upload_model):
    """Building 2# linked to its IfcBuilding in a freshly uploaded model: (building, version, builder)."""
    from projects.actions import update_building

    builder = tower_model()
    version = upload_model(builder)
    building = world["project"].buildings.get(name="2#")
    update_building(
        world["project"],
        building_id=building.pk,
        changes={"ifc_global_ids": [builder.building.GlobalId]},
        actor=world["users"]["owner"],
    )
    return building, version, builder


def pdf_upload(api, path, **fields):
    """POST a one-page PDF with form fields, as `api`'s persona."""
    data = {
        **fields,
        "file": SimpleUploadedFile("doc.pdf", letter_pdf("doc", "signer"), content_type="application/pdf"),
    }
    return api.client.post(f"/api/v1{path}", data=data, headers=api.headers)


def passing_items(points=2):
    return [
        {"kind": "main", "name": "受力钢筋牌号规格数量", "result": "pass"},
        {
            "kind": "general",
            "name": "保护层厚度",
            "points": [{"measured": 2.0, "tolerance_low": -5, "tolerance_high": 5} for _ in range(points)],
        },
    ]


@pytest.fixture
def api(users, client):
    """`api["foreman"]`: an ApiClient signed in with a fresh token of that user (English)."""
    from plumbline.core.accounts.actions import create_api_token
    from tests.conftest import ApiClient

    class Clients(dict):
        def __missing__(self, name):
            self[name] = ApiClient(client, create_api_token("tests", actor=users[name]).raw)
            return self[name]

    return Clients()
