"""Supervisors configure topics in the admin, but a topic's code, once created, stays: customers'
settings, the ledger's keys, webhook filters and API clients all name the topic by it. A marketing
topic, on by default on no channel, can be saved (its empty list of default channels was refused as
a missing value)."""

import json

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from accounts.roles import SUPERVISOR
from preferences.models import Topic
from tests.conftest import make_staff_user

pytestmark = pytest.mark.django_db


def test_a_supervisor_edits_a_marketing_topic_but_cannot_rename_its_code():
    supervisor = Client()
    supervisor.force_login(make_staff_user("supervisor@example.com", SUPERVISOR))
    topic = Topic.objects.get(code="offers")
    assert topic.default_channels == []  # marketing: on by default nowhere
    url = f"/admin/preferences/topic/{topic.pk}/change/"
    page = supervisor.get(url).content.decode()
    assert 'name="name_en"' in page and 'name="code"' not in page

    form = {name: value for name, value in model_to_dict(topic).items() if value is not None and name != "id"}
    form.update(code="renamed", name_en="Offers and deals")
    form.update(allowed_channels=json.dumps(topic.allowed_channels), default_channels=json.dumps(topic.default_channels))
    form = {name: ("on" if value else "") if isinstance(value, bool) else value for name, value in form.items()}
    response = supervisor.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    topic.refresh_from_db()
    assert (topic.code, topic.name_en) == ("offers", "Offers and deals")


def test_a_new_topic_gets_its_code_when_it_is_created():
    supervisor = Client()
    supervisor.force_login(make_staff_user("supervisor@example.com", SUPERVISOR))
    assert 'name="code"' in supervisor.get("/admin/preferences/topic/add/").content.decode()
