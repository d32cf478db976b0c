"""Every page a customer can reach, at 1280 and 390 px, in French and English: 0 axe violations, no
sideways scroll, and no words of the other language in the main content.

The pages: the customer's pages under /my/ (with the state that fills them: a pending phone, a pause,
an open request, an export in progress, a long history), the one-click link pages (unsubscribe and
confirm), and the account pages of allauth that a customer sees (sign in, sign up, codes, password
reset and change, email addresses, two-factor set-up, sign out), including the pages reached only
after a form is sent.
"""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.test import Client
from django.utils import timezone

from contact_requests.models import CreatedByType
from contact_requests.services import contact_request_create
from links.services import optin_confirmation_request, unsubscribe_link_get_or_create
from links.tokens import token_for
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_add
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.marketing import marketing_pause
from privacy.services import data_export_request
from tests.conftest import PASSWORD, make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "camille@example.com"
WIDTHS = (1280, 390)
NARROWEST = 320

# Words that only one of the two languages uses: seen in the other language's main content, they
# are an untranslated string. (The customer's own data is written in neither: see the_customer.)
FOREIGN_WORDS = {
    "fr": re.compile(r"\b(the|your|you|with|and|Save|Cancel|Change|please)\b"),
    "en": re.compile(r"\b(vous|votre|vos|les|des|avec|être|Enregistrer|Annuler|Modifier)\b"),
}

# The text a reader sees, leaving out the parts marked as another language (a proper name, the
# language switcher's options): those are read right by screen readers and are no mistake.
VISIBLE_TEXT_IN_PAGE_LANGUAGE = """() => {
  const language = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element.checkVisibility() || element.closest("script, style, [hidden]")) continue;
    const marked = element.closest("[lang]");
    if (marked && marked.lang !== language) continue;
    parts.push(node.textContent.trim());
  }
  return parts.filter(Boolean).join(" ");
}"""


def the_customer():
    """A customer with something on every page: choices, a pending phone, a pause, a request, an export."""
    user, customer = make_customer_user(EMAIL)
    context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, actor_id=str(user.pk))
    preferences_change(customer_id=customer.pk, changes={"subscription.offers.email": "in", "subscription.newsletter.email": "in"}, context=context)
    preferences_change(customer_id=customer.pk, changes={"customer.quiet_hours_start": "21:30", "customer.quiet_hours_end": "07:45"}, context=context)
    contact_point_add(customer_id=customer.pk, kind="phone", value="+33612345678", context=context, phone_type="mobile")
    marketing_pause(customer_id=customer.pk, months=3, context=context, now=timezone.now())
    contact_request = contact_request_create(
        customer=customer, reason="Facture 2025-03", preferred_channel="email",
        created_by_type=CreatedByType.CUSTOMER, actor_id=str(user.pk), preferred_time_slots=["weekday_morning"],
        # One unbroken word as long as a pasted address: the page must still not scroll sideways.
        contested_decision="https://example.com/decisions/" + "refus-de-credit-" * 12,
    )
    data_export_request(customer_id=customer.pk, requested_by_type="customer", requested_by_id=str(user.pk))
    link = unsubscribe_link_get_or_create(customer=customer, topic=None)
    return user, customer, contact_request, link


def _confirm(page, site, world):
    """The page of a double opt-in confirmation link (/confirm/<token>/), as the email gives it."""
    (confirmation,) = optin_confirmation_request(customer=world["customer"], keys=["subscription.surveys.email"], email=EMAIL)
    page.goto(site + f"/confirm/{token_for(confirmation.public_id)}/")


def _sign_in(context, site, user):
    """Sign in through a session made by Django's test client: the sign-in page has its own case."""
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": site}])


def _submit(page):
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")


def _sign_up_sent(page, site, world):
    page.goto(site + "/accounts/signup/")
    page.locator("#id_email").fill("alex@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    _submit(page)
    assert "/accounts/confirm-email/" in page.url


def _login_code_sent(page, site, world):
    page.goto(site + "/accounts/login/code/")
    page.locator("main input[type=email]").fill(EMAIL)
    _submit(page)
    assert "/accounts/login/code/confirm/" in page.url


def _password_reset_sent(page, site, world):
    page.goto(site + "/accounts/password/reset/")
    page.locator("main input[type=email]").fill(EMAIL)
    _submit(page)
    assert "/accounts/password/reset/done/" in page.url


def _password_reset_key(page, site, world):
    user = world["user"]
    page.goto(site + f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}/")
    assert page.locator("#id_password1").count() == 1


def _login_errors(page, site, world):
    page.goto(site + "/accounts/login/")
    page.locator("#id_login").fill(EMAIL)
    page.locator("#id_password").fill("not-the-password")
    _submit(page)


def _unsubscribe_done(page, site, world):
    page.goto(site + world["unsubscribe"])
    _submit(page)


def _request_errors(page, site, world):
    page.goto(site + "/my/requests/")
    page.locator("main form[novalidate], main form").filter(has=page.locator("textarea")).first.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def _account_deleted(page, site, world):
    page.goto(site + "/my/privacy/")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_confirmation").fill("DELETE")
    page.locator("form[action$='/delete/'] button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "/my/privacy/delete/" in page.url


# (name, signed in, a path or a function that brings the page to the state under test)
PAGES = [
    ("home", False, "/"),
    ("accessibility", False, "/accessibility/"),
    ("login", False, "/accounts/login/"),
    ("login-errors", False, _login_errors),
    ("signup", False, "/accounts/signup/"),
    ("signup-verification-sent", False, _sign_up_sent),
    ("login-code", False, "/accounts/login/code/"),
    ("login-code-sent", False, _login_code_sent),
    ("password-reset", False, "/accounts/password/reset/"),
    ("password-reset-sent", False, _password_reset_sent),
    ("password-reset-key", False, _password_reset_key),
    ("unsubscribe", False, lambda page, site, world: page.goto(site + world["unsubscribe"])),
    ("unsubscribe-done", False, _unsubscribe_done),
    ("unsubscribe-invalid", False, "/unsubscribe/not-a-token/"),
    ("confirm", False, _confirm),
    ("confirm-invalid", False, "/confirm/not-a-token/"),
    ("overview", True, "/my/"),
    ("channels", True, "/my/channels/"),
    ("topics", True, "/my/topics/"),
    ("marketing", True, "/my/marketing/"),
    ("marketing-objection", True, "/my/topics/marketing-objection/"),
    ("ai", True, "/my/ai/"),
    ("requests", True, "/my/requests/"),
    ("requests-errors", True, _request_errors),
    ("request-change", True, lambda page, site, world: page.goto(site + f"/my/requests/{world['request'].pk}/change/")),
    ("request-cancel", True, lambda page, site, world: page.goto(site + f"/my/requests/{world['request'].pk}/cancel/")),
    ("history", True, "/my/history/"),
    ("privacy", True, "/my/privacy/"),
    ("account-deleted", True, _account_deleted),
    ("email-addresses", True, "/accounts/email/"),
    ("password-change", True, "/accounts/password/change/"),
    ("two-factor", True, "/accounts/2fa/"),
    ("two-factor-activate", True, "/accounts/2fa/totp/activate/"),
    ("sign-out", True, "/accounts/logout/"),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("name", "signed_in", "target"), PAGES, ids=[entry[0] for entry in PAGES])
def test_the_page_is_accessible_in_its_language_and_never_scrolls_sideways(browser, site, axe, name, signed_in, target, language):
    user, customer, contact_request, link = the_customer()
    world = {"user": user, "customer": customer, "request": contact_request,
             "unsubscribe": f"/unsubscribe/{token_for(link.public_id)}/"}
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True,
                                  locale="fr-FR" if language == "fr" else "en-GB")
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    if signed_in:
        _sign_in(context, site, user)
    page = context.new_page()
    if callable(target):
        target(page, site, world)
    else:
        page.goto(site + target)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language
    if signed_in and name != "account-deleted":
        assert "/accounts/login/" not in page.url, "the session was not taken"
    text = page.evaluate(VISIBLE_TEXT_IN_PAGE_LANGUAGE)
    foreign = FOREIGN_WORDS[language].findall(text)
    assert not foreign, f"{name} in {language} shows {sorted(set(foreign))}: {text[:600]}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width, f"{name} scrolls sideways at {width} px"
        results = axe.run(page)
        assert results.violations_count == 0, f"{name} at {width} px: {results.generate_report()}"
    # The smallest phones in use: nothing off-screen either (axe runs at the two widths the issue names).
    page.set_viewport_size({"width": NARROWEST, "height": 640})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= NARROWEST, f"{name} scrolls sideways at {NARROWEST} px"
    context.close()
