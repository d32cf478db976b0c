"""The objects the fuzzer works on, made through the API as a client system would, and the schemathesis
configuration that hands their ids to it.

Without them every operation on one object (`/customers/{customer_id}/…`, `/webhook-endpoints/{endpoint_id}`,
`/sends/{send_id}`…) was fuzzed with made-up ids and stopped at the 404, before the body was even read.
Each id parameter is bound to a fuzz dictionary of real ids (schemathesis `[dictionaries]` and
`[parameters]`): a schema-valid value of that parameter is a real id PROBABILITY of the time and a
generated one otherwise, so made-up ids are still tried; a schema-invalid one (negative mode) is always
generated, since a real id is valid. Operations that destroy their object (erasure, a contact point's
removal, an endpoint's deletion) get objects of their own, so that they do not take away the others'
(and no ids taken from other answers: schemathesis reuses those, and erased the main customer first).
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.test import Client

# A real id in most schema-valid requests; generated ones, mostly unknown (404), in the rest.
PROBABILITY = 0.85

# Where an id parameter (or a body field holding one) is bound, and to which list of objects.
BINDINGS = {
    "path.customer_id": "customer_ids",
    "path.external_id": "external_ids",
    "path.contact_point_id": "contact_point_ids",
    "path.export_id": "export_ids",
    "path.endpoint_id": "endpoint_ids",
    "path.delivery_id": "delivery_ids",
    "path.audience_id": "audience_ids",
    "path.contact_request_id": "contact_request_ids",
    "path.send_id": "send_ids",
    "query.customer_id": "any_customer_ids",
    "query.external_id": "external_ids",
    "body.customer_id": "any_customer_ids",
    "body.customer_ids[*]": "any_customer_ids",
    "body.external_ids[*]": "any_external_ids",
    "body.sends[*].customer_id": "any_customer_ids",
    "body.items[*].customer_id": "any_customer_ids",
    "body.items[*].external_id": "any_external_ids",
    "body.from": "phones",
}
# Operations that destroy their object: (operation id, parameter, list of objects kept for them).
DESTROYING = [
    ("customer_erase", "path.customer_id", "erasable_customer_ids"),
    ("customer_erase_by_external_id", "path.external_id", "erasable_external_ids"),
    ("contact_point_remove", "path.contact_point_id", "removable_contact_point_ids"),
    ("contact_point_remove_by_external_id", "path.contact_point_id", "removable_contact_point_ids"),
    ("webhook_endpoint_delete", "path.endpoint_id", "deletable_endpoint_ids"),
]
# Connection refused at once: deliveries are made (and fail, to be retried and replayed) without slowing the run.
WEBHOOK_URL = "http://127.0.0.1:9/fuzz"
EVENT_TYPES = ["customer.created", "customer.preferences_changed", "contact_request.created"]


@dataclass
class FuzzData:
    """Ids of real objects, by the dictionary they fill."""

    lists: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, value) -> None:
        self.lists.setdefault(name, []).append(value)


class _Api:
    def __init__(self, key: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict, status: int = 201) -> dict:
        response = self.client.post(f"/api/v1/{path}", json.dumps(body), content_type="application/json", headers=self.headers)
        assert response.status_code == status, (path, response.status_code, response.content[:2000])
        return response.json()


def _customer(api: _Api, external_id: str, number: int) -> dict:
    return api.post("customers", {
        "external_id": external_id, "email": f"{external_id.lower()}@example.com", "email_verified": True,
        "phone": f"+3361234{number:04d}", "phone_verified": True, "first_name": "Camille", "last_name": "Fuzz",
        "language": "fr", "postal_address": {"lines": ["1 rue de la Paix"], "postcode": "75002", "city": "Paris"},
    })


def fuzz_data_create(key: str) -> FuzzData:
    """One customer with contact points of every kind, exports, a send, a contact request, an audience, webhook
    endpoints with deliveries; and, for the operations that destroy, customers, points and an endpoint of their own."""
    api, data = _Api(key), FuzzData()
    endpoint = api.post("webhook-endpoints", {"url": WEBHOOK_URL, "event_types": EVENT_TYPES})
    data.add("endpoint_ids", endpoint["id"])
    doomed = api.post("webhook-endpoints", {"url": WEBHOOK_URL, "event_types": ["customer.created"]})
    data.add("deletable_endpoint_ids", doomed["id"])
    customer = _customer(api, "FUZZ-MAIN", 1)
    customer_id = customer["id"]
    data.add("customer_ids", customer_id)
    data.add("external_ids", "FUZZ-MAIN")
    data.add("phones", "+33612340001")
    spare = [{"kind": "email", "value": f"fuzz-spare-{n}@example.com"} for n in range(3)]
    for point in [
        {"kind": "email", "value": "fuzz-main-work@example.com", "verified": True, "verified_by": "link"},
        {"kind": "phone", "value": "+33612349001", "phone_type": "mobile"},
        {"kind": "postal", "address": {"lines": ["2 rue du Bac"], "postcode": "75007", "city": "Paris"}},
        *spare,
    ]:
        document = api.post(f"customers/{customer_id}/contact-points", point)  # answers the customer's document
    for point in document["contact_points"]:
        kept = "removable_contact_point_ids" if point.get("value", "").startswith("fuzz-spare-") else "contact_point_ids"
        data.add(kept, point["id"])
    # Where a body or a query names customers, others too: a customer has at most a few open contact
    # requests (then 409), and a batch of one customer is a thin batch.
    for number in range(2):
        peer = _customer(api, f"FUZZ-PEER-{number}", 200 + number)
        data.add("any_customer_ids", peer["id"])
        data.add("any_external_ids", f"FUZZ-PEER-{number}")
    data.add("any_customer_ids", customer_id)
    data.add("any_external_ids", "FUZZ-MAIN")
    for number in range(2):
        erasable = _customer(api, f"FUZZ-ERASE-{number}", 100 + number)
        data.add("erasable_customer_ids", erasable["id"])
        data.add("erasable_external_ids", f"FUZZ-ERASE-{number}")
    data.add("export_ids", api.post(f"customers/{customer_id}/data-exports", {}, status=202)["id"])
    sends = api.post("sends", {"sends": [{"customer_id": customer_id, "topic": "billing", "channel": "email", "message_id": "fuzz-1"}]})
    data.add("send_ids", sends["ids"][0])
    request = api.post("contact-requests", {"customer_id": customer_id, "reason": "Fuzz", "preferred_channel": "email"})
    data.add("contact_request_ids", request["id"])
    data.add("audience_ids", api.post("audiences", {"topic": "billing"}, status=202)["id"])
    deliveries = api.client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=api.headers).json()
    for delivery in deliveries["deliveries"]:
        data.add("delivery_ids", delivery["id"])
    assert all(data.lists.get(name) for name in {*BINDINGS.values(), *(kept for _, _, kept in DESTROYING)}), data.lists
    return data


def config_write(data: FuzzData, *, base: Path, target: Path) -> Path:
    """The project's schemathesis.toml and the ids' dictionaries and bindings, as one file."""
    lines = [base.read_text(encoding="utf-8"), "", "# Generated by tests/fuzz/fuzz_data.py: the ids of real objects."]
    for name, values in sorted(data.lists.items()):
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = {PROBABILITY} }}' for key, name in BINDINGS.items()]
    for operation_id, key, name in DESTROYING:
        lines += [
            "[[operations]]",
            f'include-operation-id = "{operation_id}"',
            f'parameters = {{ "{key}" = {{ dictionary = "{name}", probability = {PROBABILITY} }} }}',
            # Not the ids read from other answers (the main customer's, endpoint's, contact points'), nor
            # the stateful phase's links, which would hand them over too.
            *(f"phases.{phase}.extra-data-sources.responses = false" for phase in ("examples", "coverage", "fuzzing")),
            "phases.stateful.enabled = false",
        ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
