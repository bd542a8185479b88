"""The demo: each app seeds its own part, the site loads them all once, in order."""

import importlib.util
import io

from django.apps import apps
from django.core.management import call_command

from plumbline import demo


def test_every_app_with_a_demo_module_is_loaded_by_load_demo_lower_apps_first():
    with_demo = [
        f"{config.name}.demo"
        for config in apps.get_app_configs()
        if config.name != "plumbline" and importlib.util.find_spec(f"{config.name}.demo") is not None
    ]
    assert sorted(demo.DEMOS) == sorted(with_demo)
    assert demo.DEMOS[0] == "projects.demo"
    assert demo.DEMOS.index("bim.demo") < demo.DEMOS.index("inspections.demo")


def test_loading_the_demo_again_changes_nothing_and_prints_every_login(world):
    from plumbline.core.audit.models import AuditEvent

    events = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert AuditEvent.objects.count() == events
    printed = out.getvalue()
    assert "Demo data already present." in printed
    assert demo.PASSWORD in printed
    for username, description in demo.LOGINS:
        assert f"  {username:<22} {description}" in printed
