"""Shared fixtures: people set up through the services, as a real user would be."""

import time

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.db import migrations

from accounts.models import User
from accounts.roles import AGENT, CUSTOMER, SUPERVISOR, role_grant
from preferences.customers import customer_create
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext

PASSWORD = "correct-horse-battery-9"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def make_customer_user(email: str = "camille@example.com", *, language: str = "fr"):
    user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    role_grant(user, CUSTOMER)
    customer = customer_create(
        user=user,
        email=email,
        language=language,
        email_verified=True,
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )
    return user, customer


def make_staff_user(email: str, role: str, *, with_totp: bool = True):
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=(role == SUPERVISOR))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    role_grant(user, role)
    if with_totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def customer_user(db):
    return make_customer_user()


@pytest.fixture
def other_customer_user(db):
    return make_customer_user("dominique@example.com")


@pytest.fixture
def agent(db):
    return make_staff_user("agent@example.com", AGENT)


@pytest.fixture
def supervisor(db):
    return make_staff_user("supervisor@example.com", SUPERVISOR)


@pytest.fixture
def customer_client(client, customer_user):
    client.force_login(customer_user[0])
    return client


@pytest.fixture
def reauthentication_expired(monkeypatch):
    """Call it to move time.time() (which allauth's authentication records and their checks read)
    past ACCOUNT_REAUTHENTICATION_TIMEOUT: what a person signed in or reauthenticated did no longer
    counts as recent. The live server of browser tests runs in this process and sees it too."""
    real_time = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])

    def expire() -> None:
        offset[0] += allauth_settings.REAUTHENTICATION_TIMEOUT + 1

    return expire


@pytest.fixture(autouse=True)
def _clear_caches():
    from django.core.cache import cache

    from common.memo import memos_clear

    cache.clear()
    memos_clear()
    yield


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if getattr(config, "_browser_tests_skipped", False):
        from tests.browser.conftest import SKIPPED_NOTICE

        terminalreporter.write_sep("!", "browser tests skipped", red=True, bold=True)
        terminalreporter.write_line(SKIPPED_NOTICE, red=True, bold=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests empty tables with TRUNCATE between tests: on PostgreSQL the ledger's
    TRUNCATE guard is switched off in the test database only (row updates and deletes stay refused)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE preferences_consentevent DISABLE TRIGGER preferences_consentevent_no_truncate"
            )


# Data that migrations create (channels, topics, notices, reason codes, service levels). A transactional
# test empties every table when it ends; the next one gets the data back from these migrations.
SEEDING_MIGRATIONS = [
    "preferences.migrations.0003_catalog_defaults",
    "preferences.migrations.0010_topic_example_message",
    "support.migrations.0002_reason_code_defaults",
    "contact_requests.migrations.0002_service_level_defaults",
]


@pytest.fixture(autouse=True)
def _seed_data_for_transactional_tests(request):
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        marker = request.node.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from preferences.models import Channel

    if Channel.objects.exists():
        return
    for module_name in SEEDING_MIGRATIONS:
        module = importlib.import_module(module_name)
        for operation in module.Migration.operations:
            if isinstance(operation, migrations.RunPython):  # not the schema operations beside them
                operation.code(apps, None)
    from accounts.roles import roles_ensure

    roles_ensure()
