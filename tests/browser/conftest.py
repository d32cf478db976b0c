"""Browser tests: Playwright drives Debian's Chromium (no `playwright install`), axe checks each page.

Where /usr/bin/chromium is missing, the browser tests are skipped with a loud notice, except under CI
(CI=true), where a missing browser is a failure: a leg that silently skipped them would look green.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the same test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SKIPPED_NOTICE = (
    "BROWSER TESTS SKIPPED: /usr/bin/chromium is missing. Install it with `sudo apt-get install -y chromium` "
    "(Debian/Ubuntu) to run them; CI installs it and fails without it."
)


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    # A test elsewhere that names a Playwright fixture (an argument called `page`, say) is parametrised by
    # browser; pytest then gathers every browser test next to it, among the tests that run inside a
    # transaction, and their live server's flush empties the catalogue those tests rely on.
    strays = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", {}) and item not in browser_items
    ]
    if strays:
        raise pytest.UsageError(f"Tests outside tests/browser/ use a Playwright fixture (rename the argument): {strays}")
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            raise pytest.UsageError(f"CI=true but {CHROMIUM} is missing: the browser tests cannot run.")
        config._browser_tests_skipped = True  # noqa: SLF001 - read by pytest_terminal_summary below
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=SKIPPED_NOTICE))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script: the site's CSP would block it (test only).
    return {**browser_context_args, "bypass_csp": True, "locale": "fr-FR"}


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Fail with axe's report when the page has any accessibility violation."""

    def check(page):
        # A click that navigates returns before the next document exists: axe would read a null document.
        page.wait_for_load_state("load")
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()

    return check


@pytest.fixture
def site(live_server):
    """The base URL of a live server that the browser can reach."""
    return live_server.url
