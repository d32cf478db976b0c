"""Schemathesis fuzzes the whole API through its live OpenAPI schema, against a real server.

Every check: no 5xx, no response that contradicts the schema (status codes, content types, bodies,
headers), no schema-violating request accepted, and no schema-valid request refused
(`positive_data_acceptance`): the schema states the rules the server enforces (api/schema.py).
The few rules OpenAPI 3.0 cannot state (a time relative to the clock, parameters that depend on one
another, the version a client read) are listed in schemathesis.toml beside this file, each with its
reason, for the one operation concerned. The operations on one object reach it: the ids of real objects
made beforehand are handed to schemathesis (fuzz_data.py), with made-up ids still tried. Runs on whichever
database the leg uses; CI runs it on PostgreSQL too.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.fast_path import FastPathApplication
from api.models import Scope
from api.services import api_client_create
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.fuzz.fuzz_data import config_write, fuzz_data_create

# Its own limit, the subprocess's: every operation added to the API adds fuzzing time, and the run
# already took close to the suite's 300 s on a loaded machine.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz, pytest.mark.timeout(900)]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "40"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")

# The API in parts, each fuzzed by its own test, so that the test runner's two workers share the run
# (one test took six minutes while the other worker sat idle). The last part is every operation the
# others leave, so that an operation added to the API is always fuzzed.
PARTS = {
    "customer-by-id": r"^/api/v1/customers/\{customer_id\}",
    "customer-by-external-id": r"^/api/v1/customers/(by-external-id/)?\{external_id\}",
    "customers": r"^/api/v1/customers(/batch|/changes)?$",
    "webhook-endpoints": r"^/api/v1/webhook-endpoints",
}
# Requests generated for each operation, at least (55 to 330 at 40 examples; 1,000 in all was the bar before the split).
GENERATED_PER_OPERATION = 25


def _selection(part: str) -> list[str]:
    if part in PARTS:
        return ["--include-path-regex", PARTS[part]]
    # One option with every part (given twice, the option keeps only its last value).
    return ["--exclude-path-regex", "|".join(f"({regex})" for regex in PARTS.values())]


@pytest.fixture
def served_as_deployed(live_server):
    """The live server answering as portal.wsgi does: the API's fast path (api.fast_path) in front of Django,
    so that the fuzzing reaches it too."""
    server = live_server.thread.httpd
    django_application = server.get_app()
    server.set_app(FastPathApplication(django_application))
    yield live_server
    server.set_app(django_application)


@pytest.mark.parametrize("part", [*PARTS, "the-rest"])
def test_the_api_holds_its_schema_under_fuzzing(served_as_deployed, tmp_path, part):
    live_server = served_as_deployed
    _client, key = api_client_create(name="fuzzer", scopes=list(Scope.values), rate_limit_per_minute=100_000)
    context = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)
    for index in range(3):
        customer_create(external_id=f"FUZZ-{index}", email=f"fuzz{index}@example.com", context=context)
    config = config_write(fuzz_data_create(key), base=CONFIG, target=tmp_path / "schemathesis.toml")
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"), "--config-file", str(config),
            "run", f"{live_server.url}/api/schema/",
            *_selection(part),
            "--header", f"Authorization: Bearer {key}",
            "--checks", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", "2026",
            "--workers", "1",
            "--request-timeout", "20",
            "--report", "ndjson", "--report-ndjson-path", str(report),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": str(HOOKS), "FUZZ_API_KEY": key},
    )
    (tmp_path / "st-output.txt").write_text(result.stdout + result.stderr, encoding="utf-8")  # the whole run, to read after
    failures = result.stdout[result.stdout.find("FAILURES"):] if "FAILURES" in result.stdout else result.stdout[-4000:]
    assert result.returncode == 0, failures[:20000] + result.stderr[-2000:]
    selected = re.search(r"Selected:\s+(\d+)/\d+", result.stdout)
    generated = re.search(r"(\d+) generated", result.stdout)
    assert selected and int(selected.group(1)) >= 1, result.stdout[-3000:]
    assert generated and int(generated.group(1)) >= GENERATED_PER_OPERATION * int(selected.group(1)), result.stdout[-3000:]
    assert report.exists()


@pytest.mark.django_db(transaction=False)
def test_each_operation_is_fuzzed_by_one_part():
    """No operation in two parts (fuzzed twice for nothing), none in a part that matches nothing."""
    paths = list(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    parts_of = {path: [part for part, regex in PARTS.items() if re.search(regex, path)] for path in paths}
    assert all(len(parts) <= 1 for parts in parts_of.values()), parts_of
    assert {part for parts in parts_of.values() for part in parts} == set(PARTS)
    assert any(not parts for parts in parts_of.values())  # "the-rest" has operations too
