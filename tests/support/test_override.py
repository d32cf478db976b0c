import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from notifications.models import OutboundMessage
from preferences.contact_points import contact_point_add
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from preferences.state import PreferenceError
from support.models import ReasonCode
from support.services import customer_override_apply

pytestmark = pytest.mark.django_db


def override(customer, staff, **overrides):
    values = {
        "customer_id": customer.pk,
        "changes": {"customer.assistance_mode": "human_first"},
        "staff_user": staff,
        "reason_code": "customer_call",
        "reason": "Asked on the phone for paper bills.",
        "evidence": "REC-2026-0042",
    }
    values.update(overrides)
    return customer_override_apply(**values)


def test_override_writes_a_staff_event_and_emails_the_customer(customer_user, agent):
    user, customer = customer_user
    [event] = override(customer, agent)
    assert (event.key, event.old_value, event.new_value) == ("customer.assistance_mode", "bot_ok", "human_first")
    assert (event.actor_type, event.actor_id, event.source) == ("staff", str(agent.pk), "console")
    assert (event.reason_code, event.reason, event.evidence) == (
        "customer_call",
        "Asked on the phone for paper bills.",
        "REC-2026-0042",
    )
    [email] = OutboundMessage.objects.filter(to=user.email)
    assert "Asked on the phone for paper bills." in email.body
    assert "REC-2026-0042" not in email.body  # evidence is internal
    assert ReasonCode.objects.get(code="customer_call").label_fr in email.body  # the customer's language
    change_line = next(line for line in email.body.splitlines() if "→" in line)
    assert "\u00a0: " in change_line and " : " not in change_line.replace("\u00a0:", "")  # French spacing
    assert preference_document_get(customer_id=customer.pk).customer.assistance_mode == "human_first"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"reason": "  "}, "reason"), ({"reason": " . "}, "reason"), ({"reason": "—"}, "reason"),
     ({"reason_code": "nope"}, "reason_code"), ({"evidence": "x" * 301}, "evidence")],
)
def test_override_refuses_without_reason(customer_user, agent, overrides, field):
    _, customer = customer_user
    before = ConsentEvent.objects.count()
    with pytest.raises(PreferenceError) as caught:
        override(customer, agent, **overrides)
    assert field in caught.value.message_dict
    assert ConsentEvent.objects.count() == before
    assert not OutboundMessage.objects.exists()


def test_override_refuses_an_inactive_reason_code(customer_user, agent):
    _, customer = customer_user
    ReasonCode.objects.filter(code="customer_call").update(is_active=False)
    with pytest.raises(PreferenceError):
        override(customer, agent)


def test_override_refuses_a_customer_as_actor(customer_user, other_customer_user):
    _, customer = customer_user
    with pytest.raises(PermissionDenied):
        override(customer, other_customer_user[0])


def test_override_breaking_a_rule_changes_nothing_and_sends_nothing(customer_user, agent):
    _, customer = customer_user
    with pytest.raises(PreferenceError):
        override(customer, agent, changes={"subscription.security.email": "out"})
    assert not OutboundMessage.objects.exists()


def test_override_without_effect_sends_no_email(customer_user, agent):
    _, customer = customer_user
    assert override(customer, agent, changes={"customer.language": customer.language}) == []
    assert not OutboundMessage.objects.exists()


def test_override_page_flow(agent_client, customer_user, agent):
    user, customer = customer_user
    url = reverse("support:customer_override", args=[customer.pk])
    chooser = agent_client.get(url)
    assert chooser.status_code == 200
    assert 'value="customer.assistance_mode"' in chooser.content.decode()
    page = agent_client.get(url, {"key": "customer.assistance_mode"})
    assert page.status_code == 200
    assert 'id="override-submit"' in page.content.decode()
    response = agent_client.post(
        url,
        {
            "key": "customer.assistance_mode",
            "value": "human_first",
            "reason_code": "customer_call",
            "reason": "Prefers a person.",
            "evidence": "",
        },
    )
    assert response.status_code == 302
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.key, event.new_value, event.actor_type) == ("customer.assistance_mode", "human_first", "staff")
    assert OutboundMessage.objects.filter(to=user.email, body__contains="Prefers a person.").exists()
    history = agent_client.get(reverse("support:customer_detail", args=[customer.pk])).content.decode()
    assert "Prefers a person." in history


def test_a_marketing_opt_in_on_the_customer_s_behalf_says_it_waits_for_their_confirmation(agent_client, customer_user):
    # It said "saved" while the subscription stayed pending until the customer confirms (preferences.optin).
    _user, customer = customer_user
    agent_client.cookies["django_language"] = "en"
    url = reverse("support:customer_override", args=[customer.pk])
    response = agent_client.post(url, {"key": "subscription.newsletter.email", "value": "in", "reason_code": "customer_call",
                                       "reason": "Asked for the newsletter by phone.", "evidence": ""}, follow=True)
    page = response.content.decode()
    assert "Saved as waiting for the customer" in page and "The change is saved" not in page
    event = ConsentEvent.objects.filter(customer=customer).latest("id")
    assert (event.key, event.new_value) == ("subscription.newsletter.email", "pending")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("topic.billing.paper_copy", "yes", True),
        ("customer.large_print", "yes", True),
        ("customer.weekly_marketing_cap", "2", 2),
        ("customer.channel_ranking", "postal, email", ["postal", "email", "sms", "phone", "messaging", "app"]),
        ("subscription.billing.postal", "in", "in"),
        ("topic.offers.ai_level", "human_only", "human_only"),
    ],
)
def test_override_page_converts_each_kind_of_value(agent_client, customer_user, key, value, expected):
    _, customer = customer_user
    url = reverse("support:customer_override", args=[customer.pk])
    data = {"key": key, "value": value, "reason_code": "customer_letter", "reason": "Letter of 2 May."}
    # Paper needs a postal address.
    contact_point_add(
        customer_id=customer.pk,
        kind="postal",
        value="1 rue de la Paix\n75002 Paris",
        context=ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL),
    )
    response = agent_client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    state = preference_document_get(customer_id=customer.pk).state()
    if key == "customer.channel_ranking":
        assert state[key][:2] == expected[:2]
    else:
        assert state[key] == expected


def test_override_page_shows_errors_with_400(agent_client, customer_user):
    _, customer = customer_user
    url = reverse("support:customer_override", args=[customer.pk])
    missing_reason = agent_client.post(url, {"key": "customer.language", "value": "en", "reason_code": "customer_call"})
    assert missing_reason.status_code == 400
    rule = agent_client.post(
        url, {"key": "subscription.security.email", "value": "out", "reason_code": "customer_call", "reason": "r"}
    )
    assert rule.status_code == 400
    assert "error-summary" in rule.content.decode()
    unknown = agent_client.get(url, {"key": "customer.password"})
    assert unknown.status_code == 400
