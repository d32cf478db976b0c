"""Four eyes on data rights: an agent asks for an export or an erasure, a supervisor other than the
requester approves or refuses it with a reason; both are recorded. Supervisors still act directly."""

import pytest
from django.test import Client
from django.urls import reverse

from contact_requests.models import CreatedByType
from notifications.models import OutboundMessage
from preferences.models import Customer
from preferences.state import PreferenceError
from privacy.approvals import ApprovalForbidden, data_rights_approval_decide, data_rights_approval_request
from privacy.models import DataExport, DataRightsApproval, Erasure
from tests.conftest import make_customer_user, make_staff_user
from tests.contact_requests.helpers import request_for

Kind = DataRightsApproval.Kind
Status = DataRightsApproval.Status


@pytest.fixture
def second_supervisor(db):
    return make_staff_user("second-supervisor@example.com", "supervisor")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ask(agent_client, customer, kind=Kind.ERASURE, reason="The customer asked by letter on 3 March."):
    return agent_client.post(
        reverse("privacy_staff:approval_request", kwargs={"customer_id": customer.pk}), {"kind": kind, "reason": reason}
    )


def test_an_agent_asks_for_an_erasure_and_nothing_happens_until_a_supervisor_approves(
    agent_client, supervisor_client, customer_user, agent, supervisor
):
    _user, customer = customer_user
    request_for(customer)
    page = agent_client.get(reverse("privacy_staff:privacy", kwargs={"customer_id": customer.pk}))
    assert page.status_code == 200 and 'id="approval-request"' in page.content.decode()
    assert f'action="/support/customers/{customer.pk}/privacy/erase/"' not in page.content.decode()
    response = _ask(agent_client, customer)
    assert response.status_code == 302
    approval = DataRightsApproval.objects.get()
    assert (approval.status, approval.kind, approval.requested_by, approval.decided_by) == (
        Status.PENDING, Kind.ERASURE, agent, None
    )
    assert Customer.objects.get(pk=customer.pk).erased_at is None
    # The supervisors' list shows it; the detail page offers the decision.
    listing = supervisor_client.get(reverse("support:approval_list")).content.decode()
    assert f'id="approval-{approval.pk}"' in listing
    detail = reverse("support:approval_detail", args=[approval.pk])
    assert 'id="approval-decide"' in supervisor_client.get(detail).content.decode()
    decide = reverse("support:approval_decide", args=[approval.pk])
    # Approving an erasure needs the typed confirmation, as a direct erasure does.
    missing = supervisor_client.post(decide, {"decision": "approve", "reason": "Letter checked."})
    assert missing.status_code == 400 and Customer.objects.get(pk=customer.pk).erased_at is None
    done = supervisor_client.post(decide, {"decision": "approve", "reason": "Letter checked.", "confirmation": "DELETE"})
    assert done.status_code == 302
    approval.refresh_from_db()
    assert approval.status == Status.APPROVED and approval.decided_by == supervisor and approval.decided_at
    assert approval.decision_reason == "Letter checked."
    erasure = Erasure.objects.get(customer_id=customer.pk)
    assert erasure.requested_by_id == str(agent.pk)
    assert "agent@example.com" in erasure.reason and "supervisor@example.com" in erasure.reason
    assert "by letter" in erasure.reason and "Letter checked." in erasure.reason


def test_an_agent_cannot_approve_nor_act_directly(agent_client, customer_user, agent):
    _user, customer = customer_user
    _ask(agent_client, customer)
    approval = DataRightsApproval.objects.get()
    decide = reverse("support:approval_decide", args=[approval.pk])
    assert agent_client.post(decide, {"decision": "approve", "reason": "x", "confirmation": "DELETE"}).status_code == 403
    assert agent_client.get(reverse("support:approval_list")).status_code == 403
    assert agent_client.get(reverse("support:approval_detail", args=[approval.pk])).status_code == 403
    erase = reverse("privacy_staff:erase", kwargs={"customer_id": customer.pk})
    assert agent_client.post(erase, {"reason": "x", "confirmation": "DELETE"}).status_code == 403
    with pytest.raises(ApprovalForbidden):
        data_rights_approval_decide(approval_id=approval.pk, supervisor=agent, approve=True, reason="Me")
    approval.refresh_from_db()
    assert approval.status == Status.PENDING and Customer.objects.get(pk=customer.pk).erased_at is None


def test_a_supervisor_cannot_approve_their_own_request(supervisor_client, customer_user, supervisor):
    _user, customer = customer_user
    approval = data_rights_approval_request(
        customer_id=customer.pk, kind=Kind.EXPORT, requester=supervisor, reason="Asked by phone."
    )
    page = supervisor_client.get(reverse("support:approval_detail", args=[approval.pk])).content.decode()
    assert 'id="approval-own"' in page and 'id="approval-decide"' not in page
    response = supervisor_client.post(
        reverse("support:approval_decide", args=[approval.pk]), {"decision": "approve", "reason": "Fine by me"}
    )
    assert response.status_code == 400
    with pytest.raises(ApprovalForbidden):
        data_rights_approval_decide(approval_id=approval.pk, supervisor=supervisor, approve=True, reason="Fine")
    approval.refresh_from_db()
    assert approval.status == Status.PENDING and not DataExport.objects.exists()


def test_a_request_is_decided_once(customer_user, agent, supervisor, second_supervisor):
    _user, customer = customer_user
    approval = data_rights_approval_request(customer_id=customer.pk, kind=Kind.EXPORT, requester=agent, reason="Phone")
    data_rights_approval_decide(approval_id=approval.pk, supervisor=supervisor, approve=True, reason="Checked")
    for who, approve in ((second_supervisor, True), (supervisor, True), (second_supervisor, False)):
        with pytest.raises(PreferenceError, match="already decided|déjà été tranchée"):
            data_rights_approval_decide(approval_id=approval.pk, supervisor=who, approve=approve, reason="Again")
    approval.refresh_from_db()
    assert approval.decided_by == supervisor and DataExport.objects.count() == 1
    export = DataExport.objects.get()
    assert approval.export == export and export.requested_by_id == str(agent.pk) and "Checked" in export.reason


def test_a_refusal_says_why_and_changes_nothing(supervisor_client, customer_user, agent):
    _user, customer = customer_user
    approval = data_rights_approval_request(customer_id=customer.pk, kind=Kind.ERASURE, requester=agent, reason="Chat")
    decide = reverse("support:approval_decide", args=[approval.pk])
    assert supervisor_client.post(decide, {"decision": "refuse", "reason": ""}).status_code == 400
    assert supervisor_client.post(decide, {"decision": "refuse", "reason": "Identity not checked."}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == Status.REFUSED and approval.decision_reason == "Identity not checked."
    assert Customer.objects.get(pk=customer.pk).erased_at is None and not Erasure.objects.exists()


def test_asking_needs_a_reason_and_asking_twice_keeps_one_request(agent_client, customer_user, agent):
    _user, customer = customer_user
    assert _ask(agent_client, customer, reason="").status_code == 400
    assert _ask(agent_client, customer, kind="delete_everything").status_code == 400
    _ask(agent_client, customer)
    _ask(agent_client, customer)
    assert DataRightsApproval.objects.count() == 1
    with pytest.raises(ApprovalForbidden):
        data_rights_approval_request(customer_id=customer.pk, kind=Kind.EXPORT, requester=customer.user, reason="x")


def test_supervisors_still_act_directly_and_it_is_recorded(supervisor_client, customer_user, supervisor):
    _user, customer = customer_user
    url = reverse("privacy_staff:export_request", kwargs={"customer_id": customer.pk})
    assert supervisor_client.post(url, {"reason": "Asked at the counter."}).status_code == 302
    export = DataExport.objects.get()
    assert (export.requested_by_type, export.requested_by_id, export.reason) == (
        CreatedByType.STAFF, str(supervisor.pk), "Asked at the counter."
    )


def test_the_approvals_list_costs_a_fixed_number_of_queries(supervisor_client, agent, django_assert_max_num_queries):


    for index in range(15):
        _user, customer = make_customer_user(f"c{index}@example.com")
        data_rights_approval_request(customer_id=customer.pk, kind=Kind.EXPORT, requester=agent, reason="Phone")
    with django_assert_max_num_queries(8):
        page = supervisor_client.get(reverse("support:approval_list")).content.decode()
    assert page.count('id="approval-') == 15


def test_the_supervisors_are_emailed_when_a_request_waits_for_them_and_only_once(
    agent_client, customer_user, agent, supervisor, second_supervisor
):
    _user, customer = customer_user
    customer.first_name, customer.last_name = "Camille", "Delacroix"
    customer.save(update_fields=["first_name", "last_name"])
    assert _ask(agent_client, customer).status_code == 302
    approval = DataRightsApproval.objects.get()

    emails = list(OutboundMessage.objects.filter(to__in=[supervisor.email, second_supervisor.email]))
    assert sorted(email.to for email in emails) == sorted([supervisor.email, second_supervisor.email])
    email = emails[0]
    assert email.subject == "Un effacement des données d’un client attend votre accord"
    assert f"/support/approvals/{approval.pk}/" in email.body
    assert f"client n° {customer.pk}" in email.body and agent.email in email.body
    # Neither the reason nor the customer's name travels by email: the page shows them to staff.
    assert "letter" not in email.body.lower() and "Delacroix" not in email.body
    assert not OutboundMessage.objects.filter(to=agent.email).exists()
    # Asking again while it waits changes nothing and tells no one again.
    assert _ask(agent_client, customer).status_code == 302
    assert OutboundMessage.objects.filter(to=supervisor.email).count() == 1


def test_a_supervisor_asking_is_not_emailed_their_own_request(supervisor, second_supervisor, customer_user):
    _user, customer = customer_user
    data_rights_approval_request(customer_id=customer.pk, kind=Kind.EXPORT, requester=supervisor, reason="Asked by phone.")
    assert not OutboundMessage.objects.filter(to=supervisor.email).exists()
    [email] = OutboundMessage.objects.filter(to=second_supervisor.email)
    assert email.subject == "Un téléchargement des données d’un client attend votre accord"
