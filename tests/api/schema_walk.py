"""Real requests to every operation of the API, recorded with their answers, for the tests that compare
the schema with what the server sends (tests/api/test_problems_and_schema.py).

Each operation is called as a client would call it (its success), then refused in every way that needs
no particular state (no key, a key without the scope, an Accept it cannot serve, unknown ids); and a few
answers that only some requests get: 304, 412, 428, 415, 429, an Idempotency-Key still running (409) and
kept answers replayed."""

import json
import re
from dataclasses import dataclass, field

from django.test import Client

from api import idempotency
from api.models import Scope
from api.services import api_client_create
from tests.api.conftest import make_api_customer

WEBHOOK_URL = "http://127.0.0.1:9/walk"  # connection refused at once: the ping fails, to be retried
UNKNOWN = {"customer_id": "999999", "external_id": "NOBODY", "contact_point_id": "999999", "export_id": "999999",
           "endpoint_id": "999999", "delivery_id": "999999", "audience_id": "999999",
           "contact_request_id": "999999", "send_id": "999999"}


@dataclass
class Answer:
    method: str
    path: str
    response: object


@dataclass
class Walk:
    """The answers, each with the request that got it."""

    client: Client
    key: str
    answers: list[Answer] = field(default_factory=list)

    def call(self, method: str, path: str, body=None, *, key: str | None = "", headers: dict | None = None,
             content_type: str = "application/json", **query) -> object:
        key = self.key if key == "" else key
        sent = {**({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
        data = body if isinstance(body, (bytes, str)) else json.dumps(body) if body is not None else ""
        if method == "GET":
            response = self.client.get(path, query, headers=sent)
        else:
            response = self.client.generic(method, path, data, content_type=content_type, headers=sent)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        self.answers.append(Answer(method, path.split("?")[0], response))
        return response

    def ok(self, method: str, path: str, body=None, *, status: int = 200, **kwargs) -> dict:
        response = self.call(method, path, body, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.content[:1000])
        return response.json() if response.get("Content-Type") == "application/json" else {}


def _ids(customer_id, external_id, point_id, export_id, endpoint_id, delivery_id, audience_id, request_id, send_id):
    return {"customer_id": str(customer_id), "external_id": external_id, "contact_point_id": str(point_id),
            "export_id": str(export_id), "endpoint_id": str(endpoint_id), "delivery_id": str(delivery_id),
            "audience_id": str(audience_id), "contact_request_id": str(request_id), "send_id": str(send_id)}


def _fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), template)


def schema_walk(client: Client, schema: dict, run_on_commit) -> Walk:
    """Every operation of `schema` called; `run_on_commit` is pytest-django's
    django_capture_on_commit_callbacks (jobs and exports are made ready by the in-process worker)."""
    walker, key = api_client_create(name="walker", scopes=list(Scope.values), rate_limit_per_minute=100_000)
    walk = Walk(client, key)
    customer = make_api_customer("WALK-1", phone="+33612345678", phone_verified=True)
    cid, base, by_ext = customer.pk, f"/api/v1/customers/{customer.pk}", "/api/v1/customers/by-external-id/WALK-1"

    # Customers, their documents and their contact points.
    walk.ok("POST", "/api/v1/customers", {"external_id": "WALK-1", "first_name": "Camille"})
    walk.ok("POST", "/api/v1/customers", {"external_id": "WALK-2", "email": "w2@example.com"}, status=201)
    walk.ok("GET", "/api/v1/customers", external_id="WALK-1")
    for path in (base, by_ext):
        etag = walk.call("GET", path)["ETag"]
        assert walk.call("GET", path, headers={"If-None-Match": etag}).status_code == 304
        version = walk.ok("PATCH", path, {"changes": {"customer.large_print": True}},
                          headers={"If-Match": etag})["version"]
        assert walk.call("PATCH", path, {"changes": {"customer.easy_read": True}},
                         headers={"If-Match": f'"{version - 1}"'}).status_code == 412
        assert walk.call("PATCH", path, {"changes": {"customer.easy_read": True}}).status_code == 428
    point_ids = []
    for path, number in ((base, "+33612345001"), (by_ext, "+33612345002")):
        added = walk.ok("POST", f"{path}/contact-points", {"kind": "phone", "value": number}, status=201)
        point = next(p["id"] for p in added["contact_points"] if p.get("value") == number)
        walk.ok("PATCH", f"{path}/contact-points/{point}", {"phone_type": "landline"})
        point_ids.append(point)
    walk.ok("POST", "/api/v1/customers/batch", {"customers": [{"external_id": "WALK-3"}]})
    walk.ok("POST", "/api/v1/customers/changes", {"items": [{"customer_id": cid, "changes": {"customer.easy_read": True}}]})

    # The catalogue, decisions, sends, requests to talk to a person, the feed, links, SMS.
    for path in ("/api/v1/topics", "/api/v1/channels"):
        etag = walk.call("GET", path)["ETag"]
        assert walk.call("GET", path, headers={"If-None-Match": etag}).status_code == 304
    walk.ok("POST", "/api/v1/contact-plans", {"topic": "billing", "customer_ids": [cid]})
    send_id = walk.ok("POST", "/api/v1/sends", {"sends": [{"customer_id": cid, "topic": "billing", "channel": "email",
                                                           "message_id": "walk-1"}]}, status=201)["ids"][0]
    walk.ok("GET", f"/api/v1/sends/{send_id}")
    request_id = walk.ok("POST", "/api/v1/contact-requests", {"customer_id": cid, "reason": "Walk",
                                                              "preferred_channel": "email"}, status=201)["id"]
    walk.ok("GET", "/api/v1/contact-requests")
    walk.ok("GET", f"/api/v1/contact-requests/{request_id}")
    walk.ok("GET", "/api/v1/events")
    walk.ok("GET", "/api/v1/customers/WALK-1/unsubscribe-links", topic="offers", channel="email")
    walk.ok("GET", f"{by_ext}/unsubscribe-links", topic="offers", channel="email")
    walk.ok("POST", "/api/v1/sms/inbound", {"from": "+33612345678", "text": "STOP"})

    # Data exports (made ready at once), by both ids.
    export_ids = []
    for path in (base, by_ext):
        with run_on_commit(execute=True):
            export = walk.ok("POST", f"{path}/data-exports", {}, status=202)
        export_ids.append(export["id"])
        walk.ok("GET", f"{path}/data-exports/{export['id']}")
        walk.ok("GET", f"{path}/data-exports/{export['id']}/download.json")

    # Webhook endpoints.
    endpoint = walk.ok("POST", "/api/v1/webhook-endpoints", {"url": WEBHOOK_URL, "event_types": ["customer.created"]},
                       status=201)["id"]
    hooks = f"/api/v1/webhook-endpoints/{endpoint}"
    walk.ok("GET", "/api/v1/webhook-endpoints")
    walk.ok("GET", hooks)
    walk.ok("PATCH", hooks, {"description": "Walk"})
    delivery = walk.ok("POST", f"{hooks}/test", status=202)["id"]
    walk.ok("GET", f"{hooks}/deliveries")
    # What the test's Location says: the log, where this delivery shows (alone with before=id + 1, limit=1).
    alone = walk.ok("GET", f"{hooks}/deliveries", before=delivery + 1, limit=1)["deliveries"]
    assert [item["id"] for item in alone] == [delivery]
    walk.ok("POST", f"{hooks}/replay", {"since": "2026-01-01T00:00:00Z", "until": "2099-01-01T00:00:00Z"})
    walk.ok("POST", f"{hooks}/deliveries/{delivery}/replay")
    walk.ok("POST", f"{hooks}/secret-rotation", {"grace_period_hours": 1})

    # Audiences, and their file through a signed link (no key).
    with run_on_commit(execute=True):
        audience = walk.ok("POST", "/api/v1/audiences", {"topic": "billing"}, status=202)["id"]
    walk.ok("GET", "/api/v1/audiences")
    link = walk.ok("GET", f"/api/v1/audiences/{audience}")["downloads"]["ndjson"]
    path, _, token = link.partition("?token=")
    path = path.removeprefix("http://testserver")
    walk.call("GET", path, key=None, token=token)
    assert walk.call("GET", path, key=None, token=token + "x").status_code == 403
    assert walk.call("GET", path, key=None).status_code == 400  # no token
    assert walk.call("GET", path.replace("ndjson.gz", "xml.gz"), key=None, token=token).status_code == 404

    ids = _ids(cid, "WALK-1", point_ids[0], export_ids[0], endpoint, delivery, audience, request_id, send_id)
    _refusals(walk, schema, ids)
    _special_answers(walk, walker, cid)

    # What destroys its object comes last: contact points, an endpoint, customers.
    walk.ok("DELETE", f"{base}/contact-points/{point_ids[0]}")
    walk.ok("DELETE", f"{by_ext}/contact-points/{point_ids[1]}")
    walk.ok("DELETE", hooks)
    walk.ok("POST", "/api/v1/customers/by-external-id/WALK-2/erasure", {"reason": "Asked"})
    walk.ok("POST", f"{base}/erasure", {"reason": "Asked"})
    return walk


def _refusals(walk: Walk, schema: dict, ids: dict) -> None:
    """Every operation: without a key, with a key lacking its scope, asked for HTML, on unknown ids."""
    _narrow, narrow_key = api_client_create(name="walker-narrow", scopes=[Scope.SMS_INBOUND])
    _other, other_key = api_client_create(name="walker-other", scopes=[Scope.EVENTS_READ])
    for template, item in schema["paths"].items():
        for method, operation in item.items():
            method = method.upper()
            path = _fill(template, ids)
            body = {} if method in ("POST", "PATCH") else None
            scoped = other_key if operation["operationId"] == "sms_inbound" else narrow_key
            walk.call(method, path, body, key=None)
            walk.call(method, path, body, key=scoped)
            walk.call(method, path, body, headers={"Accept": "text/html"})
            if "{" in template:
                walk.call(method, _fill(template, UNKNOWN), body)


def _special_answers(walk: Walk, walker, cid: int) -> None:
    """415, 400, 429, an Idempotency-Key still running (409), and kept answers replayed."""
    walk.call("POST", "/api/v1/contact-plans", "topic=billing", content_type="text/plain")
    walk.call("POST", "/api/v1/contact-plans", {})
    _limited, limited_key = api_client_create(name="walker-limited", scopes=list(Scope.values), rate_limit_per_minute=1)
    walk.call("GET", "/api/v1/topics", key=limited_key)
    assert walk.call("GET", "/api/v1/topics", key=limited_key).status_code == 429
    # A first request with this key still running (its worker has the key): the retry is a 409.
    body = json.dumps({"topic": "billing", "customer_ids": [cid]}).encode()
    fingerprint = idempotency.request_fingerprint(method="POST", path="/api/v1/contact-plans", query="", body=body)
    idempotency.idempotent_request_begin(client=walker, key="walk-running", fingerprint=fingerprint)
    assert walk.call("POST", "/api/v1/contact-plans", body, headers={"Idempotency-Key": "walk-running"}).status_code == 409
    # Kept answers, replayed: a success with its headers, a refusal of the body, an unknown customer.
    for path, sent, status in (
        ("/api/v1/customers", {"external_id": "WALK-1", "first_name": "Camille"}, 200),
        ("/api/v1/contact-plans", {"topic": "billing"}, 400),
        ("/api/v1/customers/999999/contact-points", {"kind": "email", "value": "x@example.com"}, 404),
        (f"/api/v1/customers/{cid}/data-exports", {}, 202),
    ):
        for _attempt in range(2):
            response = walk.call("POST", path, sent, headers={"Idempotency-Key": f"walk-{path}"})
            assert response.status_code == status, (path, response.content)
        assert response["Idempotent-Replayed"] == "true", path
