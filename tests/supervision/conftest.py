"""Helpers of the supervision tests: more projects in the demo's region and in Shenzhen, and a
replacement leader whose letters are overdue."""

import datetime

import pytest
from django.utils import timezone

from projects import actions as project_actions
from projects.models import Organisation


@pytest.fixture
def new_project(world):
    """`new_project("GZ-2", "440105")`: a project of the demo owner, in preparation, nobody appointed."""

    def make(code: str, region_code: str, name: str = "新项目"):
        return project_actions.create_project(
            code=code, name=name, address="广东省", region_code=region_code, actor=world["users"]["owner"]
        )

    return make


@pytest.fixture
def overdue_letters(world):
    """The demo contractor's project manager replaced 40 days ago by 何路人, whose two letters
    (due 5 working days after the change) are not on file."""
    project = world["project"]
    changed = timezone.localdate() - datetime.timedelta(days=40)
    return project_actions.appoint_party(
        project,
        party="contractor",
        organisation_id=Organisation.objects.get(kind="contractor").pk,
        leader_id=world["users"]["outsider"].person.pk,
        start_date=changed,
        actor=world["users"]["owner"],
    )
