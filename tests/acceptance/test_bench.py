"""`plumbline bench acceptance`: one JSON line per size with the seconds and queries of generating
the lots and computing the tree; the tree's queries do not grow with the model, the generation's
grow with its insert batches only; nothing the bench makes is kept."""

import io
import json

from django.core.management import call_command

from acceptance.models import AcceptanceNode
from projects.models import Project


def test_the_acceptance_bench_reports_each_size_and_keeps_nothing(world):
    before = Project.objects.count(), AcceptanceNode.objects.count()
    out = io.StringIO()
    call_command("bench", "acceptance", "--sizes", "400,200", "--storeys", "4", stdout=out)
    small, large = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (small["elements"], large["elements"]) == (200, 400)
    assert small["lots"] == large["lots"] == 4 and large["lot_elements"] == 400
    assert small["tree"]["queries"] == large["tree"]["queries"]
    assert small["generate_again"]["queries"] == large["generate_again"]["queries"]
    assert large["generate_again"]["lots_created"] == 0
    assert large["generate"]["queries"] <= 2 * small["generate"]["queries"]
    assert (Project.objects.count(), AcceptanceNode.objects.count()) == before
