"""Double opt-in confirmation links live at /confirm/<token>/ (the customer confirms; /unsubscribe/ read
wrong); the links already sent, under /unsubscribe/, keep working; a bad token answers at /confirm/ as
it does at /unsubscribe/; and /confirm/ confirms only: another link's token is unknown there."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from links.models import LinkPurpose, OneClickLink
from links.tokens import token_for
from notifications.models import OutboundMessage
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from tests.conftest import make_customer_user
from tests.links.conftest import unsubscribe_path
from tests.links.test_double_optin import FORM, ONE_CLICK, confirmation_path, offers_email

pytestmark = pytest.mark.django_db

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
TEXTS = {
    "fr": {"title": "Confirmez votre abonnement", "button": "Oui, je confirme", "done": "Votre abonnement est confirmé."},
    "en": {"title": "Confirm your subscription", "button": "Yes, I confirm", "done": "Your subscription is confirmed."},
}


def _pending_customer(language: str = "fr"):
    """A customer whom another system opted in to offers by email: pending, a confirmation link sent."""
    _user, customer = make_customer_user("camille@example.com", language=language)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=API)
    assert offers_email(customer) == "pending"
    return customer, OneClickLink.objects.get(customer=customer, purpose=LinkPurpose.CONFIRM)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_confirmation_email_links_to_confirm_and_the_link_confirms(settings, mail_client, language):
    customer, link = _pending_customer(language)
    body = OutboundMessage.objects.filter(channel="email").latest("id").body
    url = f"{settings.SITE_URL.rstrip('/')}/confirm/{token_for(link.public_id)}/"
    assert url in body.split()
    path = confirmation_path()
    page = mail_client.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and f'<html lang="{language}">' in html
    assert TEXTS[language]["title"] in html and TEXTS[language]["button"] in html
    assert page["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in page["Cache-Control"]
    assert mail_client.head(path).status_code == 200
    assert offers_email(customer) == "pending"  # GET and HEAD (a mail scanner) change nothing
    done = mail_client.post(path, ONE_CLICK, content_type=FORM)
    assert done.status_code == 200 and TEXTS[language]["done"] in done.content.decode()
    assert offers_email(customer) == "in"
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.key, event.old_value, event.new_value) == ("subscription.offers.email", "pending", "in")
    assert (event.actor_type, event.source, event.actor_id) == ("link", "link", str(link.pk))
    # The page's own button (a form post) on a link already used: still done, nothing written again.
    before = ConsentEvent.objects.count()
    assert mail_client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert ConsentEvent.objects.count() == before


def test_a_confirmation_link_sent_under_unsubscribe_still_confirms(mail_client):
    customer, link = _pending_customer()
    old_path = f"/unsubscribe/{token_for(link.public_id)}/"
    page = mail_client.get(old_path)
    assert page.status_code == 200 and TEXTS["fr"]["title"] in page.content.decode()
    assert offers_email(customer) == "pending"
    assert mail_client.post(old_path, ONE_CLICK, content_type=FORM).status_code == 200
    assert offers_email(customer) == "in"
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.new_value, event.actor_type, event.actor_id) == ("in", "link", str(link.pk))


def _bad_tokens(link: OneClickLink) -> dict[str, str]:
    token = token_for(link.public_id)
    return {
        "tampered": f"{token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}",
        "not a token": "not-a-token",
        "unknown": token_for("unknown-id"),
    }


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_bad_token_answers_at_confirm_as_at_unsubscribe(client, mail_client, language):
    customer, link = _pending_customer()
    client.cookies["django_language"] = language
    for name, token in _bad_tokens(link).items():
        for method in ("get", "post"):
            old = getattr(client, method)(f"/unsubscribe/{token}/")
            new = getattr(client, method)(f"/confirm/{token}/")
            assert old.status_code in (400, 404), (name, method, old.status_code)
            assert new.status_code == old.status_code, (name, method, new.status_code)
            assert _main(new) == _main(old), (name, method)
    OneClickLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token = token_for(link.public_id)
    for method in ("get", "post"):
        old = getattr(client, method)(f"/unsubscribe/{token}/")
        new = getattr(client, method)(f"/confirm/{token}/")
        assert old.status_code == new.status_code == 410
        assert _main(new) == _main(old)
        assert ("This link has expired" if language == "en" else "Ce lien a expiré") in _main(new)
    assert offers_email(customer) == "pending"


def _main(response) -> str:
    """The page's main content (the header's language switcher names the path it is on)."""
    return re.search(r"<main\b.*?</main>", response.content.decode(), re.S).group(0)


def test_confirm_does_not_unsubscribe(mail_client):
    # An unsubscribe link's token pasted under /confirm/ names no confirmation: unknown there (404),
    # nothing changes; it still unsubscribes at its own address.
    _user, customer = make_customer_user("camille@example.com")
    customer_context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=customer_context)
    path, link = unsubscribe_path(customer)
    token = token_for(link.public_id)
    assert mail_client.get(f"/confirm/{token}/").status_code == 404
    assert mail_client.post(f"/confirm/{token}/", ONE_CLICK, content_type=FORM).status_code == 404
    assert offers_email(customer) == "in"
    assert mail_client.post(path, ONE_CLICK, content_type=FORM).status_code == 200
    assert offers_email(customer) == "out"


def test_one_link_has_one_rate_budget_under_both_addresses(mail_client, settings):
    settings.ONE_CLICK_LINK_RATE_LIMIT_PER_MINUTE = 2
    _customer, link = _pending_customer()
    token = token_for(link.public_id)
    assert mail_client.get(f"/confirm/{token}/").status_code == 200
    assert mail_client.get(f"/unsubscribe/{token}/").status_code == 200
    assert mail_client.get(f"/confirm/{token}/").status_code == 429
    assert mail_client.get(f"/unsubscribe/{token}/").status_code == 429
