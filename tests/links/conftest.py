import pytest
from django.test import Client

from links.models import OneClickLink
from links.services import unsubscribe_link_get_or_create
from links.tokens import token_for
from preferences.catalog import catalog_get
from tests.api.conftest import make_api  # noqa: F401 (a fixture for tests/links)


@pytest.fixture
def mail_client():
    """What a mail provider's RFC 8058 POST looks like: no cookies, no CSRF token, CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def unsubscribe_path(customer, topic_code: str | None = "offers", channel: str = "email") -> tuple[str, OneClickLink]:
    topic = catalog_get().topics_by_code[topic_code] if topic_code else None
    link = unsubscribe_link_get_or_create(customer=customer, topic=topic, channel=channel if topic else "")
    return f"/unsubscribe/{token_for(link.public_id)}/", link
