import pytest
from django.test import Client


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client
