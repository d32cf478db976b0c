"""One-click limits: per link (tight) and per address (a generous ceiling), so that a mailbox provider
posting a campaign's genuine RFC 8058 unsubscribes from one shared address is never refused."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from links import ratelimit
from links.models import LinkPurpose, OneClickLink
from links.services import public_id_new
from links.tokens import token_for
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.models import ConsentEvent, Subscription
from tests.conftest import make_customer_user
from tests.links.test_one_click import CUSTOMER, FORM, ONE_CLICK

pytestmark = pytest.mark.django_db
PROVIDER = "198.51.100.25"  # one mailbox provider's outgoing address


@pytest.fixture(autouse=True)
def one_window():
    """A clock standing in the middle of a minute: every request of a test falls in one window."""
    moment = (time.time() // 60) * 60 + 30
    with mock.patch.object(ratelimit.time, "time", lambda: moment):
        yield


def _links(count: int) -> list[tuple[str, object]]:
    """`count` distinct unsubscribe links, spread over customers each subscribed to offers by email."""
    topic = catalog_get().topics_by_code["offers"]
    paths = []
    customers = []
    for index in range(max(1, count // 50)):
        _user, customer = make_customer_user(f"reader{index}@example.com")
        preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
        customers.append(customer)
    expires = timezone.now() + timedelta(days=30)
    links = OneClickLink.objects.bulk_create(
        OneClickLink(
            public_id=public_id_new(),
            purpose=LinkPurpose.UNSUBSCRIBE,
            customer=customers[index % len(customers)],
            topic=topic,
            channel="email",
            expires_at=expires,
        )
        for index in range(count)
    )
    for link in links:
        paths.append((f"/unsubscribe/{token_for(link.public_id)}/", link.customer))
    return paths


def test_a_burst_of_500_links_from_one_address_all_succeed(mail_client):
    links = _links(500)
    statuses = [
        mail_client.post(path, ONE_CLICK, content_type=FORM, REMOTE_ADDR=PROVIDER).status_code for path, _c in links
    ]
    assert statuses.count(200) == 500, sorted(set(statuses))
    customers = {customer.pk for _path, customer in links}
    assert not Subscription.objects.filter(customer_id__in=customers, topic__code="offers", status="in").exists()


def test_one_link_hammered_is_refused_with_a_clear_429(mail_client, settings):
    settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = 5
    (path, customer), (other_path, _other) = _links(2)
    for _attempt in range(5):
        assert mail_client.get(path, REMOTE_ADDR=PROVIDER).status_code == 200
    before = ConsentEvent.objects.count()
    refused = mail_client.post(
        path, ONE_CLICK, content_type=FORM, REMOTE_ADDR="203.0.113.50", HTTP_ACCEPT_LANGUAGE="en"
    )  # from any address
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30
    assert "This link was used too many times in the last minute." in refused.content.decode()
    assert ConsentEvent.objects.count() == before  # nothing changed
    assert Subscription.objects.get(customer=customer, topic__code="offers", channel="email").status == "in"
    # Another link from the same address is not held back.
    assert mail_client.post(other_path, ONE_CLICK, content_type=FORM, REMOTE_ADDR=PROVIDER).status_code == 200


def test_the_refusal_is_in_french_for_a_french_reader(mail_client, settings):
    settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = 1
    ((path, _customer),) = _links(1)
    mail_client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    refused = mail_client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429
    assert "Ce lien a été utilisé trop de fois au cours de la dernière minute." in refused.content.decode()


def test_the_address_ceiling_still_holds(mail_client, settings):
    settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE = 3
    links = _links(4)
    for path, _customer in links[:3]:
        assert mail_client.get(path, REMOTE_ADDR=PROVIDER).status_code == 200
    refused = mail_client.get(links[3][0], REMOTE_ADDR=PROVIDER, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    assert "Too many requests came from your network in the last minute." in refused.content.decode()
    assert mail_client.get(links[3][0], REMOTE_ADDR="198.51.100.26").status_code == 200


def test_the_defaults_never_refuse_a_campaign(settings):
    assert settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE >= 1000
    assert 2 <= settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE <= 60


def test_no_token_is_written_in_the_cache(mail_client):
    ((path, _customer),) = _links(1)
    with mock.patch.object(ratelimit, "_count", wraps=ratelimit._count) as count:
        assert mail_client.get(path).status_code == 200
    keys = [call.args[0] for call in count.call_args_list]
    token = path.split("/")[2]
    assert len(keys) == 2 and not any(token in key for key in keys), keys
