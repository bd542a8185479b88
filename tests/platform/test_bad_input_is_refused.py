"""Malformed or outsized input is refused with a 4xx in the API's error format (`detail`, `code`,
`field`), never a 500: multipart without a boundary, huge page numbers, oversized bodies, too
many fields, overlong file names, non-finite numbers, NUL characters, a bad bearer token."""

import pytest
from django.test import Client

from bim.models import ModelVersion

UPLOADS = [
    "/projects/{code}/models",
    "/projects/{code}/ids",
    "/projects/{code}/findings/bcf",
    "/projects/{code}/findings/1/photos",
    "/projects/{code}/checklists/1/items/1/photos",
    "/projects/{code}/appointments/1/letters",
    "/projects/{code}/signs/1/photos",
]


def assert_error(response, status: int, code: str, field: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"], body
    if field:
        assert body["field"] == field, body
    return body


@pytest.fixture
def contractor(as_persona):
    return as_persona("contractor")


@pytest.mark.parametrize("path", UPLOADS)
def test_an_upload_without_a_multipart_boundary_is_a_400(world, contractor, client, path):
    response = client.post(
        "/api/v1" + path.format(code=world["project"].code),
        data=b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--\r\n",
        content_type="multipart/form-data",
        headers=contractor.headers,
    )
    body = assert_error(response, 400, "bad_multipart")
    assert "multipart/form-data" in body["detail"]


@pytest.mark.chinese
@pytest.mark.parametrize("path", UPLOADS)
def test_a_file_name_over_1_kb_is_refused_naming_the_file(world, contractor, client, path):
    name = "楼" * 400 + ".pdf"
    data = (
        f'--b0\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--b0--\r\n"
    ).encode()
    response = client.post(
        "/api/v1" + path.format(code=world["project"].code),
        data=data,
        content_type="multipart/form-data; boundary=b0",
        headers=contractor.headers,
    )
    assert "文件名过长" in assert_error(response, 422, "file_name_too_long", field="file")["detail"]


@pytest.mark.parametrize("query", ["limit=9223372036854775808", "offset=9223372036854775808", "limit=100000"])
@pytest.mark.parametrize("listing", ["/projects", "/projects/{code}/findings", "/projects/{code}/audit"])
def test_page_numbers_beyond_their_bounds_are_a_422(world, as_persona, query, listing):
    response = as_persona("auditor").get(listing.format(code=world["project"].code) + "?" + query)
    assert_error(response, 422, "invalid")


def test_the_largest_page_is_still_served(world, as_persona):
    response = as_persona("auditor").get("/projects?limit=1000&offset=2147483647")
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_json_body_over_10_mb_is_a_413(world, contractor, client):
    body = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/tokens", data=body, content_type="application/json", headers=contractor.headers)
    assert_error(response, 413, "too_large")


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_more_than_1000_form_fields_are_a_400(world, contractor, client, encoding):
    fields = {f"f{i}": "x" for i in range(1001)}
    path = f"/api/v1/projects/{world['project'].code}/signs/1/photos"
    if encoding == "multipart":
        response = client.post(path, data=fields, headers=contractor.headers)
    else:
        body = "&".join(f"{k}={v}" for k, v in fields.items())
        response = client.post(
            path, data=body, content_type="application/x-www-form-urlencoded", headers=contractor.headers
        )
    assert_error(response, 400, "too_many_fields")


@pytest.mark.parametrize("tolerance", ["nan", "inf", "-inf", "-0.1"])
def test_a_plan_point_tolerance_must_be_a_finite_positive_number(world, as_persona, tolerance):
    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    storey = version.storeys.get(name="1F")
    url = f"/projects/{world['project'].code}/versions/{version.pk}/storeys/{storey.global_id}/elements-at"
    response = as_persona("inspector").get(f"{url}?x=11.8&y=0.2&tolerance={tolerance}")
    assert_error(response, 422, "invalid")
    assert as_persona("inspector").get(f"{url}?x=nan&y=0.2").status_code == 422


def test_a_nul_character_in_a_json_text_is_refused_naming_the_field(world, contractor):
    from plumbline.core.accounts.models import ApiToken

    response = contractor.post("/tokens", {"name": "tablet\u00003"})
    body = assert_error(response, 422, "nul_character", field="name")
    assert "NUL" in body["detail"]
    assert not ApiToken.objects.filter(name__startswith="tablet").exists()


def test_a_nul_character_nested_in_a_json_body_is_refused(world, as_persona):
    code = world["project"].code
    response = as_persona("owner").patch(f"/projects/{code}", {"name": "ok", "extra": [{"note": "a\u0000"}]})
    assert_error(response, 422, "nul_character", field="extra.note")


def test_a_nul_character_in_a_query_or_form_field_is_refused(world, contractor, client):
    code = world["project"].code
    assert_error(contractor.get(f"/projects/{code}/findings?status=open%00"), 422, "nul_character", field="status")
    response = client.post(
        f"/api/v1/projects/{code}/findings/1/photos",
        data={"client_uuid": "a\x00b"},
        headers=contractor.headers,
    )
    assert_error(response, 422, "nul_character", field="client_uuid")


@pytest.mark.parametrize("method, path", [("post", "/tokens"), ("patch", "/projects/{code}")])
def test_an_invalid_bearer_token_on_a_write_is_401_not_a_csrf_failure(world, method, path):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(
        "/api/v1" + path.format(code=world["project"].code),
        data={"name": "x"},
        content_type="application/json",
        headers={"Authorization": "Bearer plb_not-a-token"},
    )
    assert_error(response, 401, "unauthenticated")


def test_a_nul_character_in_an_api_path_is_refused(world, contractor):
    assert_error(contractor.get("/projects/GZ%00/findings"), 422, "nul_character")


def test_a_nul_character_in_a_page_form_is_refused_and_nothing_is_saved(world, client):
    from inspections.models import Finding

    version = ModelVersion.objects.get(model__project=world["project"], model__name="1# 建筑")
    client.force_login(world["users"]["inspector"])
    before = Finding.objects.count()
    response = client.post(
        f"/projects/{world['project'].code}/findings/new/",
        {"version_id": version.pk, "x": "1", "y": "1", "title": "crack\x00", "description": "d"},
    )
    assert response.status_code == 422
    assert "NUL" in response.content.decode()
    assert Finding.objects.count() == before


def test_a_nul_character_from_someone_without_the_right_is_refused_for_the_right(world, as_persona):
    response = as_persona("auditor").post(f"/projects/{world['project'].code}/findings", {"title": "x\u0000"})
    assert response.status_code == 403, response.content


def _writes_with_an_integer_id(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ints = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
            ]
            if method in ("post", "patch", "put", "delete") and ints:
                yield method, path, ints


@pytest.mark.parametrize("persona", ["contractor", "inspector", "auditor"])
def test_an_id_that_is_not_a_number_with_a_bad_body_is_a_4xx_on_every_write(world, as_persona, client, persona):
    """The right is checked before the input (403/404 first), and the check must not trip over an
    id it cannot read: `/claims/null/photos` with a broken form is a 4xx, never a 500."""
    caller = as_persona(persona)
    writes = list(_writes_with_an_integer_id(client))
    assert len(writes) > 20
    failures = []
    for method, path, ints in writes:
        url = path.removeprefix("/api/v1").replace("{code}", world["project"].code)
        for name in ints:
            url = url.replace("{" + name + "}", "null")
        response = caller.call(method.upper(), url, {"unknown": [1, {"x": None}]})
        if response.status_code >= 500 or response.status_code < 400:
            failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, failures
