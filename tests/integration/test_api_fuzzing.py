"""No input makes the API answer 5xx: schemathesis generates requests from the whole OpenAPI
document (valid ones, and ones that break the schema on purpose) and sends them as a contractor
and as an inspector, with a fixed seed, a bounded number of examples per operation and a time
budget (PLUMBLINE_FUZZ_SECONDS; both modes of every operation go first), against
the real database of the run (PostgreSQL in CI, which refuses what SQLite lets through).

The project code in paths is the demo project's, so requests reach past the 404 of an unknown
project; the numeric ids are generated (small ones hit the demo's rows)."""

import os
import time
import warnings
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("PLUMBLINE_FUZZ_EXAMPLES", "25"))  # per operation, persona and mode
BUDGET_SECONDS = int(os.environ.get("PLUMBLINE_FUZZ_SECONDS", "300"))
PERSONAS = ["contractor", "inspector"]


class Tally:
    def __init__(self):
        self.cases, self.statuses, self.server_errors = 0, Counter(), []
        self.call_seconds = 0.0

    def send_examples(self, operation, mode, persona: str, headers: dict, path_parameters) -> None:
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,  # the fixed seed: every run sends the same requests
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        def send(case):
            t0 = time.monotonic()
            response = case.call(headers=headers)
            self.call_seconds += time.monotonic() - t0
            self.cases += 1
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{persona} {case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]} -> {response.status_code} {response.text[:300]}"
                )

        send()


def test_no_generated_request_gets_a_5xx(world):
    from django.core.wsgi import get_wsgi_application

    from plumbline.celery import app as celery_app
    from plumbline.core.accounts.actions import create_api_token

    celery_app.conf.task_always_eager = True  # uploads' ingest runs in-process, as in the unit suite
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        tokens = {p: create_api_token("fuzz", actor=world["users"][p]).raw for p in PERSONAS}
        code = world["project"].code
        started = time.monotonic()
        tally = Tally()
        # First every operation once in each mode (schema-valid examples as one persona, schema-
        # breaking ones as the other, alternating), then the other persona of each: a run cut by
        # the budget (a machine busy with other work) still sent both kinds to every operation.
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        runs = [(m, PERSONAS[(i + j) % 2], o) for i, o in enumerate(operations) for j, m in enumerate(modes)]
        runs += [(m, PERSONAS[(i + j + 1) % 2], o) for i, o in enumerate(operations) for j, m in enumerate(modes)]
        skipped = 0
        for mode, persona, operation in runs:
            if time.monotonic() - started > BUDGET_SECONDS:
                skipped += 1
                continue
            fixed = {"code": code} if "code" in operation.path_parameters else None
            headers = {"Authorization": f"Bearer {tokens[persona]}"}
            tally.send_examples(operation, mode, persona, headers, fixed)
        if skipped:
            warnings.warn(
                f"schemathesis: the {BUDGET_SECONDS} s budget ended the run with {skipped} of {len(runs)} "
                "operation x persona x mode runs not sent",
                stacklevel=1,
            )
        print(
            f"\nschemathesis: {tally.cases} cases over {len(operations)} operations x {len(PERSONAS)} personas "
            f"({skipped} of {len(runs)} runs cut by the budget) in {time.monotonic() - started:.0f} s; by status: {dict(sorted(tally.statuses.items()))}; "
            f"5xx: {len(tally.server_errors)}; {tally.call_seconds:.0f} s of it in the API"
        )
        assert not tally.server_errors, "\n".join(tally.server_errors[:60])
    finally:
        celery_app.conf.task_always_eager = False
