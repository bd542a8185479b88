"""Every page a person is offered from their home page opens: no persona is led to a 404 or a
403 (a link to a page their role may not see is a link the page should not have shown)."""

import re
from urllib.parse import urljoin

from django.contrib.auth import get_user_model
from django.test import Client

HREF = re.compile(r'href="([^"#]+)"')
# pages outside the tablet pages: documentation, health, the admin's own sign-in, static files
NOT_PAGES = ("/static/", "/api/", "/healthz", "/admin/", "/i18n/", "/files/")


def links_on(html: str, base: str) -> set[str]:
    found = set()
    for href in HREF.findall(html):
        href = urljoin(base, href.replace("&amp;", "&"))
        if href.startswith("/") and not href.startswith("//") and not href.startswith(NOT_PAGES):
            found.add(href)
    return found


def test_every_page_linked_from_a_persona_home_page_opens(world):
    client = Client(raise_request_exception=False)  # a refused page is a status to report
    people = get_user_model().objects.filter(person__isnull=False).order_by("username")
    assert people.count() >= 10
    broken = []
    for user in people:
        client.force_login(user)
        home = client.get("/")
        assert home.status_code == 200, user.username
        pages = links_on(home.content.decode(), "/")
        seen = {"/"}
        # the pages of the home page, and the pages each of them links to in turn (the plan's
        # breadcrumb, a claim's links): a person walks two steps from home as easily as one
        for depth in (1, 2):
            next_pages = set()
            for path in sorted(pages - seen):
                seen.add(path)
                response = client.get(path)
                if response.status_code != 200:
                    broken.append((user.username, path, response.status_code))
                elif depth == 1 and "text/html" in response.get("Content-Type", ""):
                    next_pages |= links_on(response.content.decode(), path)
            pages = next_pages
        client.logout()
    assert broken == [], broken
