import pytest
from django.test import Client

from tests.api.conftest import api, make_api  # noqa: F401 (the API fixtures, for the change feed)
from tests.webhooks.conftest import receiver  # noqa: F401 (a real HTTP receiver, for replays)


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
