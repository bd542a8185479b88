"""A failed lab report reads as a failed test (不合格), not as something that broke (失败)."""

import pytest
from django.urls import reverse

from tests.materials.helpers import demo_batch

pytestmark = pytest.mark.chinese


def test_a_failed_lab_report_reads_as_not_up_to_standard(world, client):
    client.force_login(world["users"]["inspector"])
    html = client.get(reverse("material-batch", args=[world["project"].code, demo_batch("rebar").pk])).content.decode()
    assert '<span class="tone bad">不合格</span>' in html and "失败" not in html


def test_quantities_show_the_unit_symbol_not_its_code(world, client):
    client.force_login(world["users"]["inspector"])
    code = world["project"].code
    for page in (
        reverse("materials", args=[code]),
        reverse("material-batch", args=[code, demo_batch("concrete_cubes").pk]),
    ):
        html = client.get(page).content.decode()
        assert " m³" in html and " m3 " not in html and " m3<" not in html
