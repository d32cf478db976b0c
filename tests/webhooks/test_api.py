"""/api/v1/webhook-endpoints: a client manages its own endpoints only, with webhooks:manage."""

import pytest
import yaml
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.conftest import assert_problem
from tests.webhooks.conftest import ALL_TYPES, make_customer
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

BASE = "/api/v1/webhook-endpoints"


@pytest.fixture
def manager(make_api):
    return make_api("webhooks:manage")


def create(api, receiver, **fields):
    body = {"url": receiver.url, "event_types": ["customer.created", "customer.preferences_changed"], **fields}
    return api.post(BASE, body)


def test_create_answers_the_secret_once_then_never(manager, receiver):
    api, client = manager
    response = create(api, receiver, description="CRM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) >= 6 + 32
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.owner == client and body["secret"] not in endpoint.secret_encrypted
    read = api.get(f"{BASE}/{body['id']}").json()
    assert "secret" not in read and read["url"] == receiver.url and read["enabled"] is True
    listed = api.get(BASE).json()["webhook_endpoints"]
    assert [item["id"] for item in listed] == [body["id"]] and "secret" not in listed[0]


def test_the_secret_signs_what_the_receiver_gets(manager, receiver, django_capture_on_commit_callbacks):
    api, _client = manager
    secret = create(api, receiver).json()["secret"]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer()
    assert receiver.payloads(secret)[0]["type"] == "customer.created"


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://example.com/hooks", "event_types": ["customer.created"]},  # not loopback in tests
        {"url": "ftp://127.0.0.1/x", "event_types": ["customer.created"]},
        {"url": "http://127.0.0.1:9/x", "event_types": []},
        {"url": "http://127.0.0.1:9/x", "event_types": ["customer.deleted"]},
        {"event_types": ["customer.created"]},
    ],
)
def test_bad_endpoints_are_400_problems(manager, body):
    api, _client = manager
    assert_problem(api.post(BASE, body), 400)


def test_refusals_without_key_or_scope(make_api, client, receiver, db):
    assert_problem(client.get(BASE), 401)
    assert_problem(client.post(BASE, {}, content_type="application/json"), 401)
    api, _client = make_api("customers:read")
    assert_problem(api.get(BASE), 403)
    assert_problem(create(api, receiver), 403)


def test_another_clients_endpoint_is_404_everywhere(make_api, receiver):
    owner, _client = make_api("webhooks:manage")
    other, _other_client = make_api("webhooks:manage")
    endpoint_id = create(owner, receiver).json()["id"]
    assert_problem(other.get(f"{BASE}/{endpoint_id}"), 404)
    assert_problem(other.patch(f"{BASE}/{endpoint_id}", {"description": "mine"}), 404)
    assert_problem(other.client.delete(f"{BASE}/{endpoint_id}", headers={"Authorization": f"Bearer {other.key}"}), 404)
    assert_problem(other.get(f"{BASE}/{endpoint_id}/deliveries"), 404)
    assert_problem(other.post(f"{BASE}/{endpoint_id}/replay", {"since": "2026-01-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"}), 404)
    assert other.get(BASE).json()["webhook_endpoints"] == []
    assert_problem(owner.get(f"{BASE}/{2**64}"), 404)


def test_supervisor_endpoints_are_not_visible_to_clients(manager, receiver):
    from webhooks.endpoints import webhook_endpoint_create

    endpoint, _secret = webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES)
    api, _client = manager
    assert_problem(api.get(f"{BASE}/{endpoint.pk}"), 404)


def test_update_disable_enable_and_delete(manager, receiver):
    api, _client = manager
    endpoint_id = create(api, receiver).json()["id"]
    response = api.patch(f"{BASE}/{endpoint_id}", {"event_types": ["contact_request.created"], "enabled": False})
    assert response.status_code == 200, response.content
    assert response.json()["event_types"] == ["contact_request.created"]
    assert response.json()["enabled"] is False and response.json()["disabled_reason"]
    response = api.patch(f"{BASE}/{endpoint_id}", {"enabled": True})
    assert response.json()["enabled"] is True and response.json()["disabled_reason"] == ""
    assert_problem(api.patch(f"{BASE}/{endpoint_id}", {"url": "https://example.com/"}), 400)
    response = api.client.delete(f"{BASE}/{endpoint_id}", headers={"Authorization": f"Bearer {api.key}"})
    assert response.status_code == 200 and response.json()["id"] == endpoint_id
    assert not WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


def test_deliveries_list_in_a_fixed_number_of_queries(manager, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    api, _client = manager
    endpoint_id = create(api, receiver).json()["id"]
    receiver.plan = [(500, {})] * 3
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(12):
            make_customer(f"CRM-{number}", email=f"c{number}@example.com")
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/{endpoint_id}/deliveries", limit=10)
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["deliveries"]) == 10 and body["next_cursor"]
    first = body["deliveries"][0]
    assert first["event_type"] == "customer.created" and first["webhook_id"].startswith("msg_")
    assert all(len(item["recent_attempts"]) == 1 for item in body["deliveries"])
    rest = api.get(f"{BASE}/{endpoint_id}/deliveries", before=body["next_cursor"]).json()
    assert len(rest["deliveries"]) == 2 and rest["next_cursor"] is None
    pending = api.get(f"{BASE}/{endpoint_id}/deliveries", status="pending").json()["deliveries"]
    assert len(pending) == 3
    assert_problem(api.get(f"{BASE}/{endpoint_id}/deliveries", status="lost"), 400)


def test_replay_one_delivery_and_a_time_range(manager, receiver, django_capture_on_commit_callbacks):
    api, _client = manager
    start = timezone.now()
    endpoint_id = create(api, receiver).json()["id"]
    receiver.plan = [(500, {}), (500, {})]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer("CRM-1")
        make_customer("CRM-2", email="other@example.com")
    failing = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).order_by("pk"))
    assert len(failing) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/{endpoint_id}/deliveries/{failing[0].pk}/replay", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending" and response.json()["webhook_id"] == failing[0].webhook_id
    failing[0].refresh_from_db()
    assert failing[0].status == DeliveryStatus.SUCCEEDED  # sent once the replay committed
    WebhookDelivery.objects.filter(pk=failing[1].pk).update(status=DeliveryStatus.DEAD)
    until = timezone.now().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/{endpoint_id}/replay", {"since": start.isoformat(), "until": until})
    assert response.status_code == 200, response.content
    assert response.json() == {"replayed": 1}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert_problem(api.post(f"{BASE}/{endpoint_id}/replay", {"since": until, "until": start.isoformat()}), 400)
    assert_problem(api.post(f"{BASE}/{endpoint_id}/deliveries/{2**62}/replay", {}), 404)


def test_integers_and_times_are_taken_only_in_the_schema_s_form(manager, receiver):
    # "24" was read as 24 hours, `before=1.0` as 1, and a range without an offset as UTC (an integrator
    # on Paris time replayed an hour off).
    api, _client = manager
    endpoint = create(api, receiver).json()["id"]
    rotation = assert_problem(api.post(f"{BASE}/{endpoint}/secret-rotation", {"grace_period_hours": "24"}), 400)
    assert "grace_period_hours" in rotation["errors"]
    for value in ("1.0", " 1", "+1", "\u0661"):
        assert "before" in assert_problem(api.get(f"{BASE}/{endpoint}/deliveries", before=value), 400)["errors"]
    assert api.get(f"{BASE}/{endpoint}/deliveries", before="1").status_code == 200
    replay = f"{BASE}/{endpoint}/replay"
    naive = assert_problem(api.post(replay, {"since": "2026-12-01T00:00:00", "until": "2026-12-02T00:00:00+01:00"}), 400)
    assert list(naive["errors"]) == ["since"]
    assert api.post(replay, {"since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00+01:00"}).status_code == 200


def test_every_endpoint_answer_carries_what_the_schema_requires(manager, receiver, client):
    """`topics` included, in the created, read, changed and deleted endpoint as in the list."""
    components = yaml.safe_load(client.get("/api/schema/").content)["components"]["schemas"]
    required = {name: set(components[name]["required"]) for name in ("EndpointOut", "EndpointCreated")}
    assert "topics" in required["EndpointOut"] and "topics" in required["EndpointCreated"]
    api, _client = manager
    created = create(api, receiver, topics=["offers"])
    assert created.status_code == 201, created.content
    url = f"{BASE}/{created.json()['id']}"
    answers = {
        "create": (created.json(), "EndpointCreated"),
        "read": (api.get(url).json(), "EndpointOut"),
        "change_topics": (api.patch(url, {"topics": ["billing"]}).json(), "EndpointOut"),
        "change_other": (api.patch(url, {"description": "CRM"}).json(), "EndpointOut"),
        "disable": (api.patch(url, {"enabled": False}).json(), "EndpointOut"),
        "list": (api.get(BASE).json()["webhook_endpoints"][0], "EndpointOut"),
    }
    answers["delete"] = (api.delete(url).json(), "EndpointOut")
    missing = {name: required[component] - set(body) for name, (body, component) in answers.items()}
    assert missing == {name: set() for name in answers}
    assert [answers[name][0]["topics"] for name in ("create", "read", "change_topics", "change_other", "delete")] == [
        ["offers"], ["offers"], ["billing"], ["billing"], ["billing"]
    ]


def test_a_registered_endpoint_answers_its_address_in_location(manager, receiver):
    """201 with `Location`, as the API's other creations answer; a refused registration names none."""
    api, _client = manager
    response = create(api, receiver)
    assert response.status_code == 201, response.content
    assert response["Location"] == f"{BASE}/{response.json()['id']}"
    read = api.get(response["Location"])
    assert read.status_code == 200 and read.json()["id"] == response.json()["id"] and "secret" not in read.json()
    refused = create(api, receiver, event_types=["customer.deleted"])
    assert_problem(refused, 400)
    assert not refused.has_header("Location")


def test_an_event_type_given_twice_is_refused_by_name_not_merged(manager, receiver):
    api, _client = manager
    twice = ["customer.created", "customer.erased", "customer.created"]
    problem = assert_problem(create(api, receiver, event_types=twice), 400)
    assert problem["errors"] == {"event_types": ["“customer.created” is given more than once: give each value once."]}
    assert not WebhookEndpoint.objects.exists()
    endpoint_id = create(api, receiver).json()["id"]
    french = assert_problem(
        api.patch(f"{BASE}/{endpoint_id}", {"event_types": twice}, headers={"Accept-Language": "fr"}), 400
    )
    assert french["errors"]["event_types"] == [
        "«\u00a0customer.created\u00a0» figure plusieurs fois\u00a0: donnez chaque valeur une seule fois."
    ]
    assert WebhookEndpoint.objects.get().event_types == ["customer.created", "customer.preferences_changed"]


def test_a_topic_given_twice_is_refused_by_name_not_merged(manager, receiver):
    api, _client = manager
    problem = assert_problem(create(api, receiver, topics=["offers", "billing", "offers"]), 400)
    assert problem["errors"] == {"topics": ["“offers” is given more than once: give each value once."]}
    assert not WebhookEndpoint.objects.exists()


def test_a_replayed_delivery_answers_its_new_round_and_keeps_the_earlier_attempts(
    manager, receiver, django_capture_on_commit_callbacks
):
    """A replay starts a new round of attempts: `pending` beside an earlier round's `delivered_at` (or
    `last_status_code`) said two things at once. The earlier attempts stay in the log."""
    api, _client = manager
    endpoint_id = create(api, receiver).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer("CRM-1")
    delivered = api.get(f"{BASE}/{endpoint_id}/deliveries").json()["deliveries"][-1]
    assert delivered["status"] == "succeeded" and delivered["delivered_at"] and delivered["last_status_code"] == 200
    url = f"{BASE}/{endpoint_id}/deliveries/{delivered['id']}/replay"
    with django_capture_on_commit_callbacks(execute=True):
        replayed = api.post(url, {}).json()
    assert {name: replayed[name] for name in ROUND_FIELDS} == {
        "status": "pending", "attempts": 0, "last_status_code": None, "last_error": "", "last_latency_ms": None,
        "delivered_at": None, "dead_at": None,
    }
    assert replayed["webhook_id"] == delivered["webhook_id"]
    assert [attempt["status_code"] for attempt in replayed["recent_attempts"]] == [200]  # the earlier round's
    # Once sent, the new round succeeded on its own: one attempt, a later delivered_at, both attempts logged.
    again = next(d for d in api.get(f"{BASE}/{endpoint_id}/deliveries").json()["deliveries"] if d["id"] == delivered["id"])
    assert (again["status"], again["attempts"], again["last_status_code"]) == ("succeeded", 1, 200)
    assert parse_datetime(again["delivered_at"]) > parse_datetime(delivered["delivered_at"])
    assert len(again["recent_attempts"]) == 2
    # A dead delivery replayed loses its dead_at and its last error with the round they belonged to.
    WebhookDelivery.objects.filter(pk=delivered["id"]).update(
        status=DeliveryStatus.DEAD, dead_at=timezone.now(), delivered_at=None, last_status_code=503, last_error="HTTP 503"
    )
    replayed = api.post(url, {}).json()
    assert {name: replayed[name] for name in ROUND_FIELDS} == {
        "status": "pending", "attempts": 0, "last_status_code": None, "last_error": "", "last_latency_ms": None,
        "delivered_at": None, "dead_at": None,
    }


ROUND_FIELDS = ("status", "attempts", "last_status_code", "last_error", "last_latency_ms", "delivered_at", "dead_at")


def test_a_disabled_endpoint_s_ping_and_replays_are_a_conflict_not_a_bad_request(
    manager, receiver, django_capture_on_commit_callbacks
):
    # The request is valid: the endpoint's state forbids it, until it is enabled again (409, as the
    # schema says), where a 400 told the client to change a request it could not change.
    api, _client = manager
    endpoint_id = create(api, receiver).json()["id"]
    receiver.plan = [(500, {})]
    with django_capture_on_commit_callbacks(execute=True):
        make_customer("CRM-1")
    delivery_id = WebhookDelivery.objects.get().pk
    assert api.patch(f"{BASE}/{endpoint_id}", {"enabled": False}).status_code == 200
    since, until = "2026-01-01T00:00:00Z", timezone.now().isoformat()
    for path, body in [
        (f"{BASE}/{endpoint_id}/test", {}),
        (f"{BASE}/{endpoint_id}/deliveries/{delivery_id}/replay", {}),
        (f"{BASE}/{endpoint_id}/replay", {"since": since, "until": until}),
    ]:
        problem = assert_problem(api.post(path, body), 409)
        assert problem["type"].endswith(":endpoint_disabled") and "Enable the endpoint" in problem["detail"]
    schema = yaml.safe_load(api.get("/api/schema/").content)["paths"]
    for path in ("/test", "/deliveries/{delivery_id}/replay", "/replay"):
        assert "409" in schema[f"{BASE}/{{endpoint_id}}{path}"]["post"]["responses"]
    assert api.patch(f"{BASE}/{endpoint_id}", {"enabled": True}).status_code == 200
    assert api.post(f"{BASE}/{endpoint_id}/replay", {"since": since, "until": until}).status_code == 200
