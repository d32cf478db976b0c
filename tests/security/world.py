"""A small world for the security tests: two customers (A and B), staff, API clients and objects
that belong to B or to another API client — all set up through the services."""

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from accounts.roles import AGENT, CUSTOMER, SUPERVISOR, role_grant
from api.models import ApiClient, Scope
from api.services import SendReport, api_client_create, sends_record
from audiences.services import audience_create
from contact_requests.models import CreatedByType
from contact_requests.services import contact_request_create
from links.models import LinkPurpose, OneClickLink
from links.services import unsubscribe_link_get_or_create
from links.tokens import token_for
from preferences.catalog import catalog_get
from preferences.changes import preferences_change
from preferences.contact_points import contact_point_import
from preferences.customers import customer_create
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from preferences.models import Customer
from privacy.approvals import data_rights_approval_request
from privacy.models import RequestedBy
from privacy.services import data_export_build, data_export_request
from tests.conftest import PASSWORD, make_customer_user, make_staff_user
from webhooks.endpoints import webhook_endpoint_create
from webhooks.models import WebhookDelivery
from webhooks.relay import outbox_relay

# Values that belong to customer B only: none of them may reach customer A, an anonymous visitor,
# or an API client without the scope that shows them.
B_EMAIL = "bertrand.qzx@example.org"
B_FIRST_NAME = "Bertrandqzx"
B_LAST_NAME = "Vauquelinqzx"
B_EXTERNAL_ID = "CRM-B-77310"
B_PHONE = "+33687654329"  # not the number used in the API examples
B_POSTAL = "17 rue Qzxpostale\n75011 Paris"


@dataclass
class World:
    user_a: User
    customer_a: Customer
    user_b: User
    customer_b: Customer
    agent: User
    supervisor: User
    staff_without_totp: User
    # Objects of B.
    b_contact_point_id: int
    b_contact_request_id: int
    b_export_id: int
    b_token: str  # B's unsubscribe link
    # Objects of another API client (the "owner"), never of the client under test.
    owner: ApiClient
    owner_endpoint_id: int
    owner_delivery_id: int
    owner_send_id: int
    owner_contact_request_id: int
    owner_audience_id: int
    api_keys: dict[str, str] = field(default_factory=dict)  # caller name → key
    b_approval_id: int = 0  # the agent's request that a supervisor approve an export of B's data
    b_confirm_token: str = ""  # B's double opt-in confirmation link (the newsletter by email, pending)

    def b_personal_values(self) -> list[str]:
        """What only B, staff and clients holding contact_points:read may see."""
        return [B_EMAIL, B_FIRST_NAME, B_LAST_NAME, B_PHONE, "Qzxpostale"]

    def b_values(self) -> list[str]:
        """Everything that identifies B."""
        return [*self.b_personal_values(), B_EXTERNAL_ID]


def customer_b_create() -> tuple[User, Customer]:
    user = User.objects.create_user(email=B_EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=B_EMAIL, verified=True, primary=True)
    role_grant(user, CUSTOMER)
    context = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT)
    customer = customer_create(
        user=user,
        external_id=B_EXTERNAL_ID,
        email=B_EMAIL,
        email_verified=True,
        first_name=B_FIRST_NAME,
        last_name=B_LAST_NAME,
        context=context,
    )
    contact_point_import(customer_id=customer.pk, kind=ContactPointKind.PHONE, value=B_PHONE, verified=True, context=context)
    contact_point_import(customer_id=customer.pk, kind=ContactPointKind.POSTAL, value=B_POSTAL, context=context)
    customer.refresh_from_db()
    return user, customer


def world_build() -> World:
    user_a, customer_a = make_customer_user("alice.a@example.com")
    user_b, customer_b = customer_b_create()
    b_point = customer_b.contact_points.get(kind=ContactPointKind.PHONE)
    b_request = contact_request_create(
        customer=customer_b,
        reason="Please call me about my bill.",
        preferred_channel="email",
        created_by_type=CreatedByType.CUSTOMER,
        actor_id=str(user_b.pk),
    )
    export = data_export_request(
        customer_id=customer_b.pk, requested_by_type=RequestedBy.CUSTOMER, requested_by_id=str(user_b.pk)
    )
    data_export_build(export_id=export.pk)
    offers = catalog_get().topics_by_code["offers"]
    link = unsubscribe_link_get_or_create(customer=customer_b, topic=offers, channel="email")

    owner, _owner_key = api_client_create(name="owner-system", scopes=list(Scope.values))
    endpoint, _secret = webhook_endpoint_create(
        url="http://127.0.0.1:9/hooks", event_types=["customer.preferences_changed", "customer.created"], owner=owner
    )
    outbox_relay()
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk").first()
    if delivery is None:  # no event reached the endpoint yet: make one
        from preferences.events import customer_event_record

        customer_event_record(type="customer.created", customer=customer_b)
        outbox_relay()
        delivery = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk").first()
    send = sends_record(
        client=owner,
        reports=[
            SendReport(
                customer_id=customer_b.pk, topic_id=offers.pk, channel="email", sent_at=timezone.now(), message_id="m-1"
            )
        ],
    ).created[0]
    owner_request = contact_request_create(
        customer=customer_a,
        reason="A chatbot asked for a person.",
        preferred_channel="email",
        created_by_type=CreatedByType.API_CLIENT,
        actor_id=str(owner.pk),
    )

    audience = audience_create(
        requested_by_type="api_client", requested_by_id=str(owner.pk), topic=offers, ai_generated=False,
        at=timezone.now(), include="all", personal=True,
    )

    world = World(
        user_a=user_a,
        customer_a=customer_a,
        user_b=user_b,
        customer_b=customer_b,
        agent=make_staff_user("agent.sec@example.com", AGENT),
        supervisor=make_staff_user("supervisor.sec@example.com", SUPERVISOR),
        staff_without_totp=make_staff_user("agent.nototp@example.com", AGENT, with_totp=False),
        b_contact_point_id=b_point.pk,
        b_contact_request_id=b_request.pk,
        b_export_id=export.pk,
        b_token=token_for(link.public_id),
        owner=owner,
        owner_endpoint_id=endpoint.pk,
        owner_delivery_id=delivery.pk,
        owner_send_id=send.pk,
        owner_contact_request_id=owner_request.pk,
        owner_audience_id=audience.pk,
    )
    world.b_approval_id = data_rights_approval_request(
        customer_id=customer_b.pk, kind="export", requester=world.agent, reason="B asked by phone."
    ).pk
    for scope in Scope.values:
        _client, key = api_client_create(name=f"only-{scope}", scopes=[scope])
        world.api_keys[f"scope:{scope}"] = key
    _client, world.api_keys["scope:none"] = api_client_create(name="no-scope", scopes=[])
    _client, world.api_keys["scope:all"] = api_client_create(name="all-scopes", scopes=list(Scope.values))
    # Last, so that nothing above sees it: the owner opts B in to the newsletter, which waits for B's
    # confirmation (double opt-in) and sends B a confirmation link.
    api = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id=str(owner.pk))
    preferences_change(customer_id=customer_b.pk, changes={"subscription.newsletter.email": "in"}, context=api)
    confirmation = OneClickLink.objects.get(customer=customer_b, purpose=LinkPurpose.CONFIRM)
    world.b_confirm_token = token_for(confirmation.public_id)
    return world
