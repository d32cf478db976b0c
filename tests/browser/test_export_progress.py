"""The "download my data" page follows the preparation by itself (a worker builds the export in
another thread, as Celery would), tells screen readers when it is ready, and the emailed link leads
back to the downloads."""

import re
import threading
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import expect

from privacy import services
from privacy.models import DataExport, RequestedBy
from tests.browser.test_customer_journey import sign_in
from tests.conftest import make_customer_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "fr": {
        "follows": "Cette page suit l’avancement d’elle-même",
        "running": "En cours de préparation",
        "ready": "Vos données sont prêtes",
        "json": "Fichier JSON",
    },
    "en": {
        "follows": "This page follows the progress by itself",
        "running": "Being prepared",
        "ready": "Your data is ready",
        "json": "JSON file",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_export_page_follows_the_progress_and_the_email_links_back(
    page, site, assert_accessible, monkeypatch, language
):
    texts = TEXTS[language]
    _user, customer = make_customer_user("camille@example.com", language=language)
    # The worker is slow: nothing is built when the export is asked for, and the build waits for us.
    monkeypatch.setattr(services, "_build_queue", lambda export_id: None)
    collect, release = services.customer_data_collect, threading.Event()

    def slow_collect(**kwargs):
        release.wait(timeout=30)
        return collect(**kwargs)

    monkeypatch.setattr(services, "customer_data_collect", slow_collect)
    export = services.data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)

    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    sign_in(page, site, "camille@example.com")
    page.goto(site + "/my/privacy/")
    row = page.locator(f"tr[data-export-status$='/exports/{export.pk}/status']")
    expect(row.locator("progress")).to_have_attribute("value", "0")
    expect(page.locator("[data-export-refresh]")).to_contain_text(texts["follows"])
    assert_accessible(page)

    def worker():
        try:
            services.data_export_build(export_id=export.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        # The build has started (10 %) and waits: the page shows it without being reloaded.
        expect(row.locator("progress")).to_have_attribute("value", "10", timeout=15_000)
        expect(row.locator("[data-export-status-label]")).to_have_text(texts["running"])
        expect(row.locator("[data-export-progress-label]")).to_contain_text("10")
        assert_accessible(page)
        release.set()
        thread.join(timeout=30)
    finally:
        release.set()
        thread.join(timeout=30)
    assert DataExport.objects.get(pk=export.pk).status == "ready"
    # Finished: the links replace the progress, and the live region says so.
    expect(page.get_by_role("link", name=texts["json"])).to_be_visible(timeout=15_000)
    expect(page.locator("#data-exports-announce")).to_contain_text(texts["ready"])
    expect(page.locator("progress")).to_have_count(0)
    assert_accessible(page)

    # The email names the page; following it (signed in) shows the downloads.
    [message] = [m for m in mail.outbox if m.to == ["camille@example.com"]]
    link = re.search(r"(https?://\S+/my/privacy/\S*)", message.body).group(1)
    parts = urlsplit(link)  # SITE_URL is not the live server's address: keep the path
    assert parts.path == "/my/privacy/"
    page.goto(f"{site}{parts.path}#{parts.fragment}")
    expect(page.get_by_role("link", name=texts["json"])).to_be_visible()


def test_without_javascript_the_page_says_to_refresh(browser, site, monkeypatch):
    _user, customer = make_customer_user("camille@example.com", language="en")
    monkeypatch.setattr(services, "_build_queue", lambda export_id: None)
    services.data_export_request(customer_id=customer.pk, requested_by_type=RequestedBy.CUSTOMER)
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
        sign_in(page, site, "camille@example.com")
        page.goto(site + "/my/privacy/")
        expect(page.get_by_role("link", name="Refresh this page to see the progress")).to_be_visible()
        page.wait_for_timeout(2500)  # no script follows the progress: the page stays as it was served
        expect(page.locator("[data-export-refresh]")).to_have_text("Refresh this page to see the progress")
    finally:
        context.close()
