"""The README's paper-only walkthrough, run as written (its curl commands, parsed) against the demo data
that `make run` loads: each step must reach the customer it sets up and answer what the README says."""

import io
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command

from api.models import Scope
from api.services import api_client_create

README = Path(__file__).resolve().parents[2] / "README.md"


def _paper_block() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("A customer who wants only paper")
    return re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)


def _curl_commands(block: str) -> list[dict]:
    """Each curl of a shell block as method, path, headers and body (the comments dropped)."""
    code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("#"))
    commands = []
    for text in re.split(r"\n(?=curl )", code.replace("\\\n", " ").strip()):
        words = shlex.split(text)
        command = {"method": "GET", "headers": {}, "body": None, "path": None}
        index = 1
        while index < len(words):
            word = words[index]
            if word in ("-X", "-H", "-d"):
                value = words[index + 1]
                if word == "-X":
                    command["method"] = value
                elif word == "-H":
                    name, _sep, header = value.partition(":")
                    command["headers"][name.strip()] = header.strip()
                else:
                    command["body"] = value
                index += 2
                continue
            if word.startswith("http"):
                command["path"] = re.sub(r"^https?://[^/]+", "", word)
            index += 1
        commands.append(command)
    return commands


@pytest.mark.django_db
def test_the_paper_only_walkthrough_sets_up_and_plans_the_customer_it_creates(client):
    # `make run` loads the demo customer first: the walkthrough's step 2 named customer 1, which is that
    # demo customer, and gave Jeanne Roux's address to Camille Martin (step 3 then failed with a 412).
    call_command("demo_data", stdout=io.StringIO())
    _api_client, key = api_client_create(
        name="crm", scopes=[Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE, Scope.CONTACT_POINTS_READ, Scope.DECISIONS_READ]
    )
    answers = []
    for command in _curl_commands(_paper_block()):
        headers = {name: value.replace("$KEY", key) for name, value in command["headers"].items()}
        content_type = headers.pop("Content-Type", None)
        kwargs = {"headers": headers}
        if command["body"] is not None:
            kwargs.update(data=command["body"], content_type=content_type)
        response = getattr(client, command["method"].lower())(command["path"], **kwargs)
        assert response.status_code in (200, 201), (command["path"], response.content)
        answers.append(response.json())
    created, found, with_address, changed, planned = answers
    assert created["external_id"] == "CRM-PAPER-7" and found["customers"][0]["id"] == created["id"]
    # Step 2: "The answer is the document: version 2, usable_channels ["postal"]."
    assert (with_address["id"], with_address["version"], with_address["usable_channels"]) == (created["id"], 2, ["postal"])
    assert changed["id"] == created["id"] and changed["version"] == 3
    plan = planned["plans"][0]
    postal = next(point for point in with_address["contact_points"] if point["kind"] == "postal")
    assert plan["allowed"] is True
    assert plan["channels"] == [
        {"channel": "postal", "contact_point_id": postal["id"], "address": "Jeanne Roux\n3 chemin des Vignes\n84000 AVIGNON"}
    ]
