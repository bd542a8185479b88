"""Local download links: only the platform can make one, none lives longer than
PRESIGNED_URL_SECONDS, and a bad link is refused in the API's error format, never a 500."""

import hashlib
import hmac
import io
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from storage import get_storage

TEN_YEARS = 10 * 365 * 24 * 3600


@pytest.fixture
def stored():
    return get_storage().put(io.BytesIO(b"a liability letter, signed"), content_type="application/pdf")


def forged_signature(secret: str, key: str, expires_at: int) -> str:
    """A link signed the way anyone can who knows a key and a file's sha256."""
    return hmac.new(secret.encode(), f"{key}\n{expires_at}".encode(), hashlib.sha256).hexdigest()


def download(client, key: str, expires, signature):
    return client.get(f"/files/{key}", {"expires": str(expires), "signature": signature})


def assert_refused(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["detail"]


def test_a_link_the_platform_made_downloads_the_file(client, stored):
    url = urlsplit(get_storage().presigned_url(stored.key, timedelta(minutes=5)))
    response = client.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"a liability letter, signed"


@pytest.mark.parametrize(
    "secret",
    ["plumbline-embedded-default-not-a-secret", "change-me-in-production", "the settings' SECRET_KEY"],
)
def test_a_link_forged_with_a_published_key_or_the_raw_secret_key_is_refused(client, stored, secret):
    if secret == "the settings' SECRET_KEY":
        secret = settings.SECRET_KEY
    expires_at = int(time.time()) + 60
    response = download(client, stored.key, expires_at, forged_signature(secret, stored.key, expires_at))
    assert_refused(response, 403, "invalid_link")


def test_no_link_lives_longer_than_presigned_url_seconds(client, stored, settings):
    settings.PRESIGNED_URL_SECONDS = 300
    get_storage.cache_clear()
    storage = get_storage()
    before = time.time()
    url = urlsplit(storage.presigned_url(stored.key, timedelta(seconds=TEN_YEARS)))
    expires_at = int(parse_qs(url.query)["expires"][0])
    assert expires_at <= before + 300 + 1
    # a ten-year link with a valid signature (as one made before the cap) is refused
    ten_years = int(before) + TEN_YEARS
    response = download(client, stored.key, ten_years, storage._signature(stored.key, ten_years))
    assert_refused(response, 403, "invalid_link")


@pytest.mark.parametrize(
    "signature",
    ["é" * 64, "签名", "\u0661" * 64, ""],
    ids=["latin", "chinese", "arabic-digits", "empty"],
)
def test_a_signature_that_is_not_ascii_is_refused_not_a_500(client, stored, signature):
    response = download(client, stored.key, int(time.time()) + 60, signature)
    assert_refused(response, 403, "invalid_link")


@pytest.mark.parametrize("expires", ["", "soon", "１２３", "-5", "9" * 400])
def test_an_expiry_that_is_not_a_time_is_refused(client, stored, expires):
    response = download(client, stored.key, expires, "0" * 64)
    assert_refused(response, 403, "invalid_link")


@pytest.mark.parametrize("folder", ["sha256", "sha256/{ab}", "sha256/{ab}/{cd}"])
def test_a_signed_link_to_a_folder_of_the_store_is_not_found_not_a_500(client, stored, folder):
    key = folder.format(ab=stored.sha256[:2], cd=stored.sha256[2:4])
    storage = get_storage()
    expires_at = int(time.time()) + 60
    response = download(client, key, expires_at, storage._signature(key, expires_at))
    assert_refused(response, 404, "not_found")


def test_a_refused_link_is_explained_in_chinese_first(client, stored):
    response = download(client, stored.key, int(time.time()) + 60, "0" * 64)
    assert response.json()["detail"] == "此下载链接无效或已过期。"


def test_a_link_saves_the_file_under_the_name_it_was_made_with(client, stored):
    url = urlsplit(get_storage().presigned_url(stored.key, timedelta(minutes=5), filename="承诺书 张施工"))
    response = client.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})
    assert response.status_code == 200
    # the name gets the extension of its type; the UTF-8 name for browsers, an ASCII one for the rest
    assert response["Content-Disposition"] == (
        "attachment; filename=\"___ ___.pdf\"; filename*=UTF-8''%E6%89%BF%E8%AF%BA%E4%B9%A6%20%E5%BC%A0%E6%96%BD%E5%B7%A5.pdf"
    )


def test_a_link_whose_file_name_was_changed_is_refused(client, stored):
    url = urlsplit(get_storage().presigned_url(stored.key, timedelta(minutes=5), filename="letter.pdf"))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    response = client.get(url.path, {**params, "name": "invoice.exe"})
    assert_refused(response, 403, "invalid_link")


def test_a_browser_following_an_expired_link_sees_the_error_page(client, stored):
    storage = get_storage()
    expired = int(time.time()) - 60
    params = {"expires": str(expired), "signature": storage._signature(stored.key, expired)}
    response = client.get(f"/files/{stored.key}", params, headers={"Accept": "text/html,application/xhtml+xml,*/*"})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "此下载链接无效或已过期。" in page and '"code"' not in page and "&quot;" not in page
    # an API client still reads the error's code
    assert_refused(download(client, stored.key, expired, params["signature"]), 403, "invalid_link")
