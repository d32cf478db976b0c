"""The API's documentation pages draw the schema in a browser that enforces the site's CSP."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("path", "operation"), [("/api/docs/", ".opblock"), ("/api/redoc/", "[data-section-id^='operation']")])
def test_the_docs_page_shows_the_operations_under_the_real_csp(browser, site, path, operation):
    # Redoc writes its styles at run time: under `style-src 'self'` it threw before drawing anything.
    context = browser.new_context(bypass_csp=False)
    docs = context.new_page()
    errors = []
    docs.on("pageerror", lambda error: errors.append(str(error)))
    docs.goto(site + path)
    docs.locator(operation).first.wait_for(timeout=15_000)
    assert docs.locator(operation).count() > 40
    assert errors == []
    context.close()
