"""Passwords cannot be guessed at speed: after 5 wrong passwords for one username (or 20 from
one address) within 15 minutes, signing in waits for the rest of that window, even with the
right password, on the login page and in the admin; a good sign-in clears the username's count."""

import time

import pytest
from django.test import Client

from plumbline.core.accounts import throttle


def attempt(browser, username, password, ip="10.0.0.1"):
    return browser.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_username_with_a_message_saying_how_long(world):
    browser = Client()
    for _ in range(5):
        assert attempt(browser, "owner", "wrong").status_code == 200
    locked = attempt(browser, "owner", "plumbline-demo")
    assert locked.status_code == 429
    assert "密码错误次数过多：请 15 分钟后再试。" in locked.content.decode()
    assert attempt(browser, "owner", "plumbline-demo", ip="10.9.9.9").status_code == 429  # another address too
    assert attempt(browser, "inspector", "plumbline-demo").status_code == 302  # other people are not locked


def test_the_lock_ends_with_its_window(world, monkeypatch):
    browser = Client()
    for _ in range(5):
        attempt(browser, "owner", "wrong")
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(throttle.time, "time", lambda: later)
    assert attempt(browser, "owner", "plumbline-demo").status_code == 302


def test_a_good_sign_in_clears_the_count(world):
    browser = Client()
    for _ in range(4):
        attempt(browser, "owner", "wrong")
    assert attempt(browser, "owner", "plumbline-demo").status_code == 302
    browser.logout()
    for _ in range(4):
        attempt(browser, "owner", "wrong")
    assert attempt(browser, "owner", "plumbline-demo").status_code == 302


def test_many_wrong_passwords_from_one_address_lock_that_address(world, settings):
    browser = Client()
    for i in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        attempt(browser, f"nobody{i}", "wrong", ip="10.6.6.6")
    assert attempt(browser, "inspector", "plumbline-demo", ip="10.6.6.6").status_code == 429
    assert attempt(browser, "inspector", "plumbline-demo", ip="10.7.7.7").status_code == 302


@pytest.mark.parametrize("username", ["admin", "ADMIN "])
def test_the_admin_login_is_throttled_by_the_same_count(world, username):
    browser = Client()
    browser.post("/admin/login/", {"username": "admin", "password": "plumbline-demo"})
    assert browser.get("/admin/").status_code == 200
    browser.logout()
    for _ in range(5):
        browser.post("/admin/login/", {"username": username, "password": "wrong"})
    browser.post("/admin/login/", {"username": "admin", "password": "plumbline-demo"})
    assert browser.get("/admin/").status_code == 302  # still not signed in


def attempt_via(browser, username, password, *, forwarded_for: str, proxy="172.18.0.2"):
    """A sign-in reaching the web server through a reverse proxy at `proxy`."""
    return browser.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_trusted_proxy_each_client_address_has_its_own_count(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    browser = Client()
    for i in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        attempt_via(browser, f"nobody{i}", "wrong", forwarded_for="203.0.113.5")
    assert attempt_via(browser, "inspector", "plumbline-demo", forwarded_for="203.0.113.5").status_code == 429
    # another site's tablet behind the same proxy is not locked out with the guesser
    assert attempt_via(browser, "inspector", "plumbline-demo", forwarded_for="198.51.100.7").status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_count(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    browser = Client()
    for i in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        # the guesser writes a new address each time; the proxy appends the real one
        attempt_via(browser, f"nobody{i}", "wrong", forwarded_for=f"10.1.1.{i}, 203.0.113.5")
    assert attempt_via(browser, "inspector", "plumbline-demo", forwarded_for="1.2.3.4, 203.0.113.5").status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(world, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    browser = Client()
    for i in range(settings.SIGN_IN_MAX_FAILURES_PER_IP):
        attempt_via(browser, f"nobody{i}", "wrong", forwarded_for=f"10.1.1.{i}", proxy="10.6.6.6")
    assert (
        attempt_via(browser, "inspector", "plumbline-demo", forwarded_for="10.9.9.9", proxy="10.6.6.6").status_code
        == 429
    )
