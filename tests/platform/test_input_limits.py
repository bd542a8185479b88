"""What a person types has a limit they are told about: every text a request takes declares its
maxLength in the OpenAPI document, no limit is longer than the column the text is kept in, a
value one character over is refused with a 422 naming the field (never cut to fit, never a
database error), and the pages carry the same limits on their inputs."""

import re
import uuid

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from pydantic import BaseModel, ValidationError

from plumbline.api import api
from plumbline.core.limits import TEXT_LENGTH, TITLE_LENGTH, TooLong

pytestmark = pytest.mark.chinese

# a request's name for a text that is kept in a column of another name
KEPT_AS = {"model_name": ("bim", "IfcModel", "name")}


def _schema():
    import plumbline.urls  # noqa: F401 (mounts the routers)

    return api.get_openapi_schema()


def _resolve(schema, components):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _texts(schema, components, path=""):
    """(path, schema) of every text in a request schema: `name`, `items[].text`."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        kinds = [_resolve(s, components) for s in schema["anyOf"]]
        if any(k.get("type") in ("number", "integer") for k in kinds):
            return  # a decimal: a number, or its digits as text
        for kind in kinds:
            yield from _texts(kind, components, path)
        return
    if "properties" in schema:
        for name, sub in schema["properties"].items():
            yield from _texts(sub, components, f"{path}.{name}" if path else name)
    elif schema.get("type") == "array":
        yield from _texts(schema.get("items", {}), components, f"{path}[]")
    elif schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        yield path, schema


def _request_texts():
    schema = _schema()
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for name, text in _texts(content["schema"], components):
                    yield operation["operationId"], f"{method.upper()} {path}", name, text


def test_every_text_a_request_takes_declares_its_limit():
    unbounded = [f"{op} {name}" for op, _, name, text in _request_texts() if "maxLength" not in text]
    assert unbounded == []


def _columns_by_app() -> dict[str, dict[str, list[float]]]:
    found: dict[str, dict[str, list[float]]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):  # no limit of its own: the schema's stands
                found.setdefault(model._meta.app_label, {}).setdefault(field.name, []).append(float("inf"))
            elif isinstance(field, models.CharField) and field.max_length:
                found.setdefault(model._meta.app_label, {}).setdefault(field.name, []).append(field.max_length)
    return found


def _operations():
    import plumbline.urls  # noqa: F401

    for _, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def test_no_limit_is_longer_than_the_column_its_text_is_kept_in():
    """A text kept in a column of the same name in the operation's app may not be longer than
    that column (the longest of that name, where the app has several)."""
    columns = _columns_by_app()
    label_of = {op.operation_id: apps.get_containing_app_config(op.view_func.__module__) for op in _operations()}
    too_long = []
    for op, _, name, text in _request_texts():
        app = label_of.get(op)
        if app is None:
            continue
        leaf = name.split(".")[-1].removesuffix("[]")
        if leaf in KEPT_AS:
            label, model, field = KEPT_AS[leaf]
            limits = [apps.get_model(label, model)._meta.get_field(field).max_length]
        else:
            limits = columns.get(app.label, {}).get(leaf)
        if limits and text["maxLength"] > max(limits):
            too_long.append(f"{op} {name}: {text['maxLength']} > column {max(limits)}")
    assert too_long == [], "\n".join(too_long)


def _models_of(operation):
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) in ("body", "form"):
            for field in model.model_fields.values():
                nested = field.annotation
                if isinstance(nested, type) and issubclass(nested, BaseModel):
                    yield nested
                    break
            else:
                yield model


def test_a_text_one_character_over_its_limit_is_refused_by_its_schema():
    not_refused, checked = [], 0
    for operation in _operations():
        for model in _models_of(operation):
            properties = model.model_json_schema()["properties"]
            for name, prop in properties.items():
                kinds = prop.get("anyOf", [prop])
                text = next((k for k in kinds if k.get("type") == "string" and "maxLength" in k), None)
                items = next(
                    (k["items"] for k in kinds if k.get("type") == "array" and "maxLength" in k.get("items", {})), None
                )
                if text is None and items is None:
                    continue
                limit = (text or items)["maxLength"]
                value = "字" * (limit + 1)
                alias = model.model_fields[name].alias if name in model.model_fields else None
                try:
                    model.model_validate({alias or name: value if text else [value]})
                except ValidationError as exc:
                    refused = any(e["type"] == "string_too_long" and e["loc"][0] in (name, alias) for e in exc.errors())
                else:
                    refused = False
                checked += 1
                if not refused:
                    not_refused.append(f"{operation.operation_id} {name}")
    assert not_refused == [] and checked > 100, (not_refused, checked)


def _ifc_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("model.ifc", b"ISO-10303-21;\nEND-ISO-10303-21;\n", content_type="application/x-step")


def test_a_model_name_over_100_characters_is_refused_in_the_api_not_cut(world, as_persona):
    from bim.models import IfcModel

    contractor = as_persona("contractor")
    code = world["project"].code
    before = IfcModel.objects.count()
    response = contractor.client.post(
        f"/api/v1/projects/{code}/models", {"file": _ifc_file(), "model_name": "模" * 303}, headers=contractor.headers
    )
    body = response.json()
    assert response.status_code == 422, body
    assert body["field"] == "model_name" and "100" in body["message"], body
    assert IfcModel.objects.count() == before


def test_a_model_name_over_100_characters_is_refused_on_the_page_with_its_limit(world):
    from bim.models import IfcModel

    client = Client()
    client.force_login(world["users"]["contractor"])
    url = f"/projects/{world['project'].code}/models/"
    assert re.search(r'<input id="model_name" name="model_name" maxlength="100"', client.get(url).content.decode())
    before = IfcModel.objects.count()
    page = client.post(url, {"file": _ifc_file(), "model_name": "模" * 303}, follow=True).content.decode()
    assert "模型名称 最多 100 个字符" in page and "正在读取" not in page
    assert IfcModel.objects.count() == before


def test_a_40000_character_claim_and_a_20000_character_finding_are_refused_naming_the_field(world, as_persona):
    code = world["project"].code
    claim = as_persona("home_owner").post(f"/projects/{code}/claims", {"description": "漏" * 40000})
    finding = as_persona("inspector").post(f"/projects/{code}/findings", {"description": "裂" * 20000})
    for response in (claim, finding):
        body = response.json()
        assert response.status_code == 422, body
        too_long = [e for e in body["errors"] if e["type"] == "string_too_long"]
        assert [e["loc"][-1] for e in too_long] == ["description"], body
        assert str(TEXT_LENGTH) in too_long[0]["msg"] and "description：最多" in body["message"], body


def test_text_over_its_limit_from_a_page_is_refused_by_the_action(world):
    from inspections.actions import open_finding

    with pytest.raises(TooLong) as refused:
        open_finding(
            world["project"],
            client_uuid=uuid.uuid4(),
            category="structure",
            severity="major",
            title="裂缝",
            description="裂" * (TEXT_LENGTH + 1),
            actor=world["users"]["inspector"],
        )
    assert refused.value.extra["field"] == "description" and str(TEXT_LENGTH) in refused.value.detail


def test_a_row_with_text_longer_than_its_column_is_never_saved(world):
    """The safety net under every path: SQLite would keep the text whole, PostgreSQL would fail."""
    project = world["project"]
    project.name = "项" * 201
    with pytest.raises(TooLong) as refused:
        project.save()
    assert refused.value.extra["field"] == "name" and "200" in refused.value.detail


def test_longer_text_already_kept_still_saves_when_another_column_changes(world):
    from insurance.models import DefectClaim

    claim = DefectClaim.objects.filter(project=world["project"]).first()
    DefectClaim.objects.filter(pk=claim.pk).update(description="旧" * (TEXT_LENGTH * 2))
    claim.refresh_from_db()
    claim.save(update_fields=["status"])  # a text column has no limit of its own: old text stays
    claim.save()


def test_the_pages_textareas_carry_the_text_limit(world):
    client = Client()
    client.force_login(world["users"]["home_owner"])
    html = client.get(f"/projects/{world['project'].code}/claims/new/").content.decode()
    assert f'name="description" maxlength="{TEXT_LENGTH}"' in html
    assert TITLE_LENGTH == 200
