import pytest
from django.test import Client

from tests.conftest import make_staff_user


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def supervisor_client(supervisor):
    client = Client()
    client.force_login(supervisor)
    return client


@pytest.fixture
def agent_without_totp(db):
    return make_staff_user("new-agent@example.com", "agent", with_totp=False)
