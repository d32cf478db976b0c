"""One-click unsubscribe links: GET and HEAD change nothing, POST (as a mail client sends it) does."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from links.models import OneClickLink
from links.tokens import token_for
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent, Subscription
from tests.conftest import make_customer_user
from tests.links.conftest import unsubscribe_path

pytestmark = pytest.mark.django_db

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def subscribed(customer_user):
    _, customer = customer_user
    preferences_change(
        customer_id=customer.pk,
        changes={"subscription.offers.email": "in", "subscription.newsletter.email": "in"},
        context=CUSTOMER,
    )
    return customer


def status_of(customer, topic: str, channel: str = "email") -> str | None:
    row = Subscription.objects.filter(customer=customer, topic__code=topic, channel=channel).first()
    return row.status if row else None


def test_a_mail_clients_one_click_post_unsubscribes_without_cookie_or_csrf_token(subscribed, mail_client):
    path, link = unsubscribe_path(subscribed)
    before = ConsentEvent.objects.count()
    response = mail_client.post(path, ONE_CLICK, content_type=FORM, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mailer/1")
    assert response.status_code == 200
    assert not response.cookies.get("sessionid")
    assert status_of(subscribed, "offers") == "out"
    assert status_of(subscribed, "newsletter") == "in"  # only what the link names
    event = ConsentEvent.objects.latest("id")
    assert ConsentEvent.objects.count() == before + 1
    assert (event.key, event.old_value, event.new_value) == ("subscription.offers.email", "in", "out")
    assert (event.actor_type, event.source, event.actor_id) == ("link", "link", str(link.pk))
    assert event.ip_truncated == "203.0.113.0/24" and event.user_agent == "Mailer/1"
    # A second POST (mail clients retry) changes nothing and still succeeds.
    assert mail_client.post(path, ONE_CLICK, content_type=FORM).status_code == 200
    assert ConsentEvent.objects.count() == before + 1


def test_get_and_head_show_a_button_and_change_nothing(subscribed, client):
    path, _link = unsubscribe_path(subscribed)
    before = ConsentEvent.objects.count()
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html and 'name="List-Unsubscribe" value="One-Click"' in html
    assert "csrfmiddlewaretoken" not in html.split('method="post" action=""')[1].split("</form>")[0]
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert client.head(path).status_code == 200
    assert ConsentEvent.objects.count() == before
    assert status_of(subscribed, "offers") == "in"


def test_the_pages_own_button_unsubscribes(subscribed, mail_client):
    path, _link = unsubscribe_path(subscribed)
    response = mail_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert status_of(subscribed, "offers") == "out"


def test_an_all_marketing_link_turns_every_marketing_topic_off(subscribed, mail_client):
    path, _link = unsubscribe_path(subscribed, topic_code=None)
    assert mail_client.post(path, ONE_CLICK, content_type=FORM).status_code == 200
    assert status_of(subscribed, "offers") == "out" and status_of(subscribed, "newsletter") == "out"
    assert status_of(subscribed, "security") is None  # critical topics untouched


def test_a_tampered_token_is_refused_and_changes_nothing(subscribed, mail_client):
    path, link = unsubscribe_path(subscribed)
    token = token_for(link.public_id)
    tampered = f"/unsubscribe/{token[:-2]}{'AA' if token[-2:] != 'AA' else 'BB'}/"
    response = mail_client.post(tampered, ONE_CLICK, content_type=FORM)
    assert response.status_code == 400
    assert "does not work" in response.content.decode() or "ne fonctionne" in response.content.decode()
    assert mail_client.get("/unsubscribe/not-a-token/").status_code == 400
    # Well signed, but naming no link (deleted, or the customer erased): 404.
    assert mail_client.post(f"/unsubscribe/{token_for('unknown-id')}/", ONE_CLICK, content_type=FORM).status_code == 404
    assert status_of(subscribed, "offers") == "in"


def test_an_expired_link_answers_410_in_the_visitors_language(subscribed, mail_client):
    path, link = unsubscribe_path(subscribed)
    OneClickLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = mail_client.post(path, ONE_CLICK, content_type=FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert mail_client.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 410
    assert status_of(subscribed, "offers") == "in"


def test_the_url_holds_no_personal_data(subscribed):
    path, link = unsubscribe_path(subscribed)
    public_id, signature = path.split("/")[2].split(".")
    assert public_id == link.public_id and len(public_id) == 16 and len(signature) >= 40  # random id, HMAC
    assert "camille" not in path.lower() and "offers" not in path and "email" not in path


def test_links_are_handed_out_again_while_they_have_life_left(subscribed):
    first, link = unsubscribe_path(subscribed)
    again, same = unsubscribe_path(subscribed)
    assert first == again and link.pk == same.pk
    OneClickLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))
    renewed, fresh = unsubscribe_path(subscribed)
    assert fresh.pk != link.pk and renewed != first


def test_public_link_pages_are_rate_limited_per_address(subscribed, mail_client, settings):
    settings.ONE_CLICK_RATE_LIMIT_PER_MINUTE = 3
    path, _link = unsubscribe_path(subscribed)
    for _attempt in range(3):
        assert mail_client.get(path, REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = mail_client.post(path, ONE_CLICK, content_type=FORM, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert status_of(subscribed, "offers") == "in"
    assert mail_client.get(path, REMOTE_ADDR="198.51.100.8").status_code == 200  # another address


def test_the_page_speaks_the_customer_s_language_unless_the_visitor_chose_one(db, mail_client):
    # An English customer's email link opened in a French browser (or by a mail client with no language)
    # showed the page in French.
    _user, customer = make_customer_user("alex@example.com", language="en")
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    path, _link = unsubscribe_path(customer)
    page = Client().get(path, headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in page.content.decode() and page["Content-Language"] == "en"
    done = mail_client.post(path, ONE_CLICK, content_type=FORM, headers={"Accept-Language": "fr"})
    assert done["Content-Language"] == "en"
    chooser = Client()
    chooser.cookies["django_language"] = "fr"  # chosen on this site: kept
    assert chooser.get(path)["Content-Language"] == "fr"


def test_a_link_that_would_leave_invoices_on_no_channel_says_so_first(customer_user, client):
    # Invoices by email only: the billing link stopped every invoice without a word.
    _user, customer = customer_user
    path, _link = unsubscribe_path(customer, "billing")
    client.cookies["django_language"] = "en"
    page = client.get(path).content.decode()
    assert 'id="no-channel-left"' in page and "these messages will reach you on no channel at all" in page
    # With paper too, the email link leaves a channel: no warning; nor on a marketing link.
    contact_point_add(customer_id=customer.pk, kind="postal", value="12 rue des Lilas\n69003 LYON", context=CUSTOMER)
    preferences_change(customer_id=customer.pk, changes={"subscription.billing.postal": "in"}, context=CUSTOMER)
    assert 'id="no-channel-left"' not in client.get(path).content.decode()
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    assert 'id="no-channel-left"' not in client.get(unsubscribe_path(customer)[0]).content.decode()


def test_only_a_customer_with_an_account_is_told_to_sign_in(subscribed, mail_client):
    # A customer known only through the CRM (created by the API, no account) was offered "Sign in",
    # which leads nowhere for them.
    crm_only = customer_create(
        external_id="CRM-77", email="sans.compte@example.com", email_verified=True, language="en",
        context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT),
    )
    preferences_change(customer_id=crm_only.pk, changes={"subscription.offers.email": "in"}, context=CUSTOMER)
    for customer, has_account in ((subscribed, True), (crm_only, False)):
        path, _link = unsubscribe_path(customer)
        client = Client()
        client.cookies["django_language"] = "en"
        for response in (client.get(path), mail_client.post(path, ONE_CLICK, content_type=FORM)):
            html = response.content.decode()
            assert ('href="/accounts/login/"' in html.split("</header>")[1].split("</main>")[0]) is has_account
            assert ("contact our customer service" in html) is not has_account
