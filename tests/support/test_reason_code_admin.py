"""A reason code, once created, keeps its code: consent events keep the code and the ledger shows its
label through it, so a renamed code left past overrides showing a bare code."""

import pytest
from django.test import Client

from accounts.roles import SUPERVISOR
from support.models import ReasonCode
from tests.conftest import make_staff_user

pytestmark = pytest.mark.django_db


def test_a_supervisor_edits_a_reason_code_s_labels_but_not_its_code():
    supervisor = Client()
    supervisor.force_login(make_staff_user("supervisor@example.com", SUPERVISOR))
    reason = ReasonCode.objects.get(code="customer_call")
    url = f"/admin/support/reasoncode/{reason.pk}/change/"
    assert 'name="code"' not in supervisor.get(url).content.decode()
    form = {"code": "renamed", "label_fr": reason.label_fr, "label_en": "By phone", "is_active": "on", "order": reason.order}
    assert supervisor.post(url, form).status_code == 302
    reason.refresh_from_db()
    assert (reason.code, reason.label_en) == ("customer_call", "By phone")
    assert 'name="code"' in supervisor.get("/admin/support/reasoncode/add/").content.decode()
