"""Fixtures of the security tests."""

import pytest
from django.core.cache import cache

from portal.settings import accounts


@pytest.fixture
def rate_limits(settings):
    """The production limits on sign-in, sign-up and codes (portal/settings/accounts.py; the test
    settings switch them off), on an empty cache."""
    settings.ACCOUNT_RATE_LIMITS = dict(accounts.ACCOUNT_RATE_LIMITS)
    cache.clear()
    yield settings
    cache.clear()
