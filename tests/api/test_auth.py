"""API keys: header only, hashed at rest, scopes, expiry, revocation, rotation, rate limits."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.models import ApiClient, ApiKey, Scope
from api.services import api_client_create_demo, api_client_revoke, api_key_create, api_key_revoke
from tests.api.conftest import Api, assert_problem

URL = "/api/v1/customers/{}"


def test_no_key_is_401_with_a_bearer_challenge(client, customer):
    response = Api(client, None).get(URL.format(customer.pk))
    body = assert_problem(response, 401)
    assert body["type"] == "urn:portal:problem:not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer not-a-key",
        "Bearer cpp_00000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_malformed_or_unknown_keys_are_401(client, customer, header):
    response = client.get(URL.format(customer.pk), headers={"Authorization": header})
    assert_problem(response, 401)


def test_a_key_with_a_right_prefix_and_a_wrong_secret_is_401(make_api, customer):
    api, _client = make_api()
    prefix = "_".join(api.key.split("_")[:2])
    response = Api(api.client, f"{prefix}_{'x' * 43}").get(URL.format(customer.pk))
    assert_problem(response, 401)


def test_key_in_x_api_key_header_works(make_api, customer):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    response = api.client.get(URL.format(customer.pk), headers={"X-Api-Key": api.key})
    assert response.status_code == 200


def test_key_in_the_url_is_not_accepted(make_api, customer):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    response = api.client.get(URL.format(customer.pk), {"api_key": api.key})
    assert_problem(response, 401)


def test_expired_key_is_401(make_api, customer):
    api, client = make_api()
    ApiKey.objects.filter(client=client).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_problem(api.get(URL.format(customer.pk)), 401)
    assert body["type"] == "urn:portal:problem:authentication_failed"


def test_revoked_key_is_401(make_api, customer):
    api, client = make_api()
    api_key_revoke(api_key=client.keys.get())
    assert_problem(api.get(URL.format(customer.pk)), 401)


def test_revoked_or_expired_client_is_401(make_api, customer):
    api, client = make_api()
    api_client_revoke(client=client)
    assert_problem(api.get(URL.format(customer.pk)), 401)
    other, other_client = make_api(expires_at=timezone.now() - timedelta(days=1))
    assert_problem(other.get(URL.format(customer.pk)), 401)


def test_wrong_scope_is_403(make_api, customer):
    api, _client = make_api(Scope.EVENTS_READ)
    body = assert_problem(api.get(URL.format(customer.pk)), 403)
    assert body["type"] == "urn:portal:problem:permission_denied"


def test_keys_are_stored_hashed_with_a_visible_prefix(make_api):
    api, client = make_api()
    stored = client.keys.get()
    assert stored.key_hash == hashlib.sha256(api.key.encode()).hexdigest()
    assert api.key.startswith(stored.prefix + "_")
    assert len(api.key.split("_", 2)[2]) >= 43  # 32 random bytes: 256 bits
    assert api.key not in {stored.prefix, stored.key_hash}


def test_last_use_is_recorded(api, customer):
    assert api.get(URL.format(customer.pk)).status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


def test_two_keys_at_once_for_rotation(make_api, customer):
    api, client = make_api()
    second, second_key = api_key_create(client=client)
    with pytest.raises(ValidationError):
        api_key_create(client=client)
    assert Api(api.client, second_key).get(URL.format(customer.pk)).status_code == 200
    assert api.get(URL.format(customer.pk)).status_code == 200
    api_key_revoke(api_key=client.keys.exclude(pk=second.pk).get())
    assert_problem(api.get(URL.format(customer.pk)), 401)
    api_key_create(client=client)  # a slot is free again


def test_rate_limit_per_client_answers_429_with_retry_after(make_api, customer):
    api, client = make_api(rate_limit_per_minute=2)
    assert api.get(URL.format(customer.pk)).status_code == 200
    assert api.get(URL.format(customer.pk)).status_code == 200
    response = api.get(URL.format(customer.pk))
    body = assert_problem(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["retry_after"] == int(response["Retry-After"])
    # Another client has its own budget.
    other, _other_client = make_api()
    assert other.get(URL.format(customer.pk)).status_code == 200


def test_apiclient_create_command_prints_the_key_once(db, client, customer, capsys):
    call_command("apiclient_create", "CRM", "--scope", "customers:read", "--scope", "decisions:read")
    lines = capsys.readouterr().out.splitlines()
    keys = [line.removeprefix("api-key: ") for line in lines if line.startswith("api-key: ")]
    assert len(keys) == 1
    assert ApiClient.objects.get(name="CRM").scopes == ["customers:read", "decisions:read"]
    assert Api(client, keys[0]).get(URL.format(customer.pk)).status_code == 200


def test_apiclient_create_command_refuses_unknown_scopes(db):
    with pytest.raises(CommandError):
        call_command("apiclient_create", "CRM", "--scope", "everything")
    assert not ApiClient.objects.exists()


def test_demo_client_gets_a_fresh_key_each_time(db, client, customer):
    first = api_client_create_demo()
    second = api_client_create_demo()
    demo = ApiClient.objects.get(is_demo=True)
    assert sorted(demo.scopes) == sorted(Scope.values)
    assert_problem(Api(client, first).get(URL.format(customer.pk)), 401)
    assert Api(client, second).get(URL.format(customer.pk)).status_code == 200
