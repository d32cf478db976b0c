"""The admin, role by role: what superusers and the reported supervisor attack can and cannot do
with people's accounts, and the record of role changes. (The admin's pages for every role are in
the access matrix, tests/security/test_access_matrix.py.)

Django's UserAdmin, as it comes, lets a role with change_user make itself superuser (`is_superuser`
on the change form) and set any customer's password (the password form), then sign in as them.
Here supervisors look accounts up; only superusers change staff accounts and roles, each change
recorded (RoleChange); nobody sets another person's password.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import RoleChange, User
from accounts.roles import AGENT, CUSTOMER, ROLE_PERMISSIONS, SUPERVISOR, can_manage_staff, role_grant, roles_ensure
from accounts.services import user_access_change
from notifications.models import OutboundMessage
from tests.conftest import PASSWORD
from tests.security.test_access_matrix import (  # noqa: F401 (fixtures)
    LOGIN,
    STOLEN_PASSWORD,
    _answer,
    _escalation,
    _state,
    superuser,
    world,
)

pytestmark = pytest.mark.django_db


# --- The reported attack, step by step, and what superusers do instead ------------------------------


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_supervisor_cannot_make_themselves_superuser_or_take_over_a_customer(world):  # noqa: F811
    supervisor = Client()
    supervisor.force_login(world.supervisor)
    response = supervisor.post(f"/admin/accounts/user/{world.supervisor.pk}/change/", _escalation(world.supervisor))
    assert response.status_code == 403
    world.supervisor.refresh_from_db()
    assert not world.supervisor.is_superuser
    stolen = {"password1": STOLEN_PASSWORD, "password2": STOLEN_PASSWORD, "usable_password": "true"}
    assert supervisor.post(f"/admin/accounts/user/{world.user_b.pk}/password/", stolen).status_code == 403
    assert supervisor.get(f"/admin/accounts/user/{world.user_b.pk}/password/").status_code == 403
    world.user_b.refresh_from_db()
    assert world.user_b.check_password(PASSWORD) and not world.user_b.check_password(STOLEN_PASSWORD)
    # The change page they may see has no link to a password form and no password hash.
    page = supervisor.get(f"/admin/accounts/user/{world.user_b.pk}/change/").content.decode()
    assert "password/" not in page and "pbkdf2" not in page.lower() and "md5" not in page.lower()
    assert not RoleChange.objects.filter(actor__isnull=False).exists()


def test_no_role_holds_change_user_or_manage_staff_and_migrate_takes_them_back():
    supervisors = Group.objects.get(name=SUPERVISOR)
    supervisors.permissions.add(*Permission.objects.filter(codename__in=["change_user", "manage_staff"]))
    roles_ensure()  # runs after every migrate: an existing database loses them
    for role in ROLE_PERMISSIONS:
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert not codenames & {"change_user", "add_user", "delete_user", "manage_staff"}, role
        assert not codenames & {"change_group", "add_group", "change_permission"}, role


def test_migrate_gives_each_role_exactly_its_permissions_once_every_app_s_exist():
    Group.objects.get(name=SUPERVISOR).permissions.add(Permission.objects.get(codename="change_user"))
    with CaptureQueriesContext(connection) as queries:
        emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)  # as migrate and flush send it
    role_reads = [query for query in queries if 'FROM "auth_group" WHERE "auth_group"."name" =' in query["sql"]]
    assert len(role_reads) == len(ROLE_PERMISSIONS)  # once, not once for each of the apps the signal is sent for
    for role, names in ROLE_PERMISSIONS.items():
        permissions = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        assert {f"{app_label}.{codename}" for app_label, codename in permissions} == set(names), role


def test_a_role_given_change_user_by_mistake_still_cannot_change_access_or_emails(world):  # noqa: F811
    Group.objects.get(name=SUPERVISOR).permissions.add(Permission.objects.get(codename="change_user"))
    supervisor = Client()
    supervisor.force_login(world.supervisor)
    # Their own account and other staff: not theirs to change.
    assert supervisor.post(f"/admin/accounts/user/{world.supervisor.pk}/change/", _escalation(world.supervisor)).status_code == 403
    assert supervisor.post(f"/admin/accounts/user/{world.agent.pk}/change/", _escalation(world.agent)).status_code == 403
    # A customer: names and the active flag only; access fields and the email are read-only.
    before = _state(world.user_b)
    response = supervisor.post(f"/admin/accounts/user/{world.user_b.pk}/change/", _escalation(world.user_b) | {"first_name": "Renamed"})
    assert _answer(response) == "/admin/accounts/user/"
    assert _state(world.user_b) == before
    assert User.objects.get(pk=world.user_b.pk).first_name == "Renamed"
    with pytest.raises(Exception, match="superusers"):
        user_access_change(user=world.supervisor, actor=world.supervisor, source="admin", is_superuser=True)
    assert not User.objects.get(pk=world.supervisor.pk).is_superuser and not can_manage_staff(world.supervisor)


def test_a_superuser_s_role_change_is_recorded_who_whom_old_new_when(world, superuser):  # noqa: F811
    root = Client()
    root.force_login(superuser)
    data = _escalation(world.agent) | {"email": world.agent.email, "is_superuser": ""}
    del data["is_superuser"]
    response = root.post(f"/admin/accounts/user/{world.agent.pk}/change/", data)
    assert _answer(response) == "/admin/accounts/user/"
    agent = User.objects.get(pk=world.agent.pk)
    assert agent.is_staff and not agent.is_superuser
    assert sorted(agent.groups.values_list("name", flat=True)) == [SUPERVISOR]
    records = {r.what: r for r in RoleChange.objects.filter(user=agent, actor=superuser)}
    assert set(records) == {"roles", "is_staff"}
    assert (records["roles"].old_value, records["roles"].new_value) == (AGENT, SUPERVISOR)
    assert (records["is_staff"].old_value, records["is_staff"].new_value) == ("False", "True")
    assert all(r.actor_email == superuser.email and r.source == "admin" and r.changed_at for r in records.values())
    # Saving again without a change records nothing.
    root.post(f"/admin/accounts/user/{world.agent.pk}/change/", data)
    assert RoleChange.objects.filter(user=agent, actor=superuser).count() == 2
    # The record is read-only, even for superusers.
    record = records["roles"]
    assert root.get(f"/admin/accounts/rolechange/{record.pk}/change/").status_code == 200
    assert root.post(f"/admin/accounts/rolechange/{record.pk}/change/", {"new_value": "x"}).status_code == 403
    assert root.post(f"/admin/accounts/rolechange/{record.pk}/delete/", {"post": "yes"}).status_code == 403


def test_roles_given_by_the_system_are_recorded_too(db):
    user = User.objects.create_user(email="someone.new@example.com", password=PASSWORD)
    role_grant(user, CUSTOMER)
    role_grant(user, CUSTOMER)  # already held: nothing to record
    (record,) = RoleChange.objects.filter(user=user)
    assert (record.actor_id, record.actor_email, record.source) == (None, "", "system")
    assert (record.old_value, record.new_value) == ("", CUSTOMER)


def test_a_superuser_adds_an_account_without_a_password_and_sends_a_reset_link(world, superuser):  # noqa: F811
    root = Client()
    root.force_login(superuser)
    response = root.post("/admin/accounts/user/add/", {"email": "New.Agent@Example.com"})
    created = User.objects.get(email="new.agent@example.com")
    assert _answer(response).startswith(f"/admin/accounts/user/{created.pk}/change/")
    assert not created.has_usable_password() and not created.is_staff and not created.groups.exists()
    before = OutboundMessage.objects.count()
    response = root.post(
        "/admin/accounts/user/", {"action": "send_password_reset_link", "_selected_action": [world.user_b.pk]}
    )
    assert _answer(response) == "/admin/accounts/user/"
    assert OutboundMessage.objects.count() == before + 1
    message = OutboundMessage.objects.order_by("-pk").first()
    assert message.to == world.user_b.email and "/accounts/password/reset/key/" in message.body
    world.user_b.refresh_from_db()
    assert world.user_b.check_password(PASSWORD)  # unchanged until its owner follows the link
    # A supervisor does not have the action.
    supervisor = Client()
    supervisor.force_login(world.supervisor)
    page = supervisor.get("/admin/accounts/user/").content.decode()
    assert "send_password_reset_link" not in page


def test_a_superuser_still_signs_in_with_totp_only(superuser):  # noqa: F811
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD})
    assert _answer(response) == LOGIN and not _signed_in(client)


def test_accounts_created_as_staff_or_superuser_record_it(db):
    root = User.objects.create_superuser(email="first.root@example.com", password=PASSWORD)
    recorded = {(r.what, r.old_value, r.new_value, r.source) for r in RoleChange.objects.filter(user=root)}
    assert recorded == {("is_staff", "False", "True", "system"), ("is_superuser", "False", "True", "system")}
    plain = User.objects.create_user(email="plain.person@example.com", password=PASSWORD)
    assert root.is_superuser and root.is_staff and not RoleChange.objects.filter(user=plain).exists()


def test_role_changes_cannot_be_altered_in_the_database(db):
    from django.db import DatabaseError, connection

    user = User.objects.create_user(email="audited@example.com", password=PASSWORD)
    role_grant(user, AGENT)
    record = RoleChange.objects.get(user=user)
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL, the production database")
    for statement in (
        lambda: RoleChange.objects.filter(pk=record.pk).update(new_value=SUPERVISOR),
        lambda: RoleChange.objects.filter(pk=record.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            statement()
    assert RoleChange.objects.get(pk=record.pk).new_value == AGENT


# --- Supervisors manage API clients (README), and never see or guess a key's hash -------------------


def test_a_supervisor_creates_an_api_client_sees_its_key_once_and_revokes_it(world):  # noqa: F811
    from api.models import ApiClient, ApiKey

    supervisor = Client()
    supervisor.force_login(world.supervisor)
    response = supervisor.post(
        "/admin/api/apiclient/add/",
        {
            "name": "chatbot",
            "scopes": ["contact_requests:write"],
            "expires_at_0": "",
            "expires_at_1": "",
            "rate_limit_per_minute": "600",
            "keys-TOTAL_FORMS": "0",
            "keys-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200, response.content
    client = ApiClient.objects.get(name="chatbot")
    assert client.created_by == world.supervisor and client.scopes == ["contact_requests:write"]
    key = ApiKey.objects.get(client=client)
    page = response.content.decode()
    assert key.prefix in page and key.key_hash not in page  # the key shown once, never its hash
    # Revoking is a change; deleting is refused (the record stays).
    supervisor.post(
        "/admin/api/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]}, follow=True
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert supervisor.get(f"/admin/api/apikey/{key.pk}/delete/").status_code == 403
    assert supervisor.get(f"/admin/api/apiclient/{client.pk}/delete/").status_code == 403
    # Nothing about their own access changed.
    world.supervisor.refresh_from_db()
    assert not world.supervisor.is_superuser


def test_no_admin_page_shows_or_filters_on_a_key_hash(world, superuser):  # noqa: F811
    from api.models import ApiKey

    key = ApiKey.objects.filter(client=world.owner).first()
    for caller in (world.supervisor, superuser):
        client = Client()
        client.force_login(caller)
        for path in (
            "/admin/api/apikey/",
            f"/admin/api/apikey/{key.pk}/change/",
            "/admin/api/apiclient/",
            f"/admin/api/apiclient/{world.owner.pk}/change/",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            page = response.content.decode()
            assert key.key_hash not in page and "key_hash" not in page, path
        # Guessing the hash one character at a time through the changelist's filters is refused.
        for path in (
            f"/admin/api/apikey/?key_hash__startswith={key.key_hash[:1]}",
            f"/admin/api/apikey/?key_hash={key.key_hash}",
            f"/admin/api/apiclient/?keys__key_hash__startswith={key.key_hash[:1]}",
        ):
            response = client.get(path)
            assert response.status_code in (400, 302) and key.prefix not in response.content.decode(), path


def test_an_agent_has_no_power_over_api_clients(world):  # noqa: F811
    from api.models import ApiClient

    agent = Client()
    agent.force_login(world.agent)
    for path in ("/admin/api/apiclient/", "/admin/api/apiclient/add/", "/admin/api/apikey/"):
        assert agent.get(path).status_code == 302  # the admin's sign-in: agents are not admin staff
    agent.post("/admin/api/apiclient/add/", {"name": "rogue", "scopes": ["customers:read"]})
    assert not ApiClient.objects.filter(name="rogue").exists()


def test_supervisors_read_approvals_and_chatbot_conversations_in_the_admin_and_change_nothing(world):  # noqa: F811
    from contact_requests.handoff import Conversation, ConversationTurn, contact_request_handoff
    from contact_requests.models import CreatedByType
    from privacy.approvals import data_rights_approval_request

    approval = data_rights_approval_request(
        customer_id=world.customer_a.pk, kind="export", requester=world.agent, reason="Asked by phone today."
    )
    contact_request = contact_request_handoff(
        conversation=Conversation(
            bot_name="Sam", summary="Refund refused; wants a person.",
            transcript=[ConversationTurn(speaker="customer", text="Je veux <un humain>", time=approval.requested_at)],
        ),
        customer=world.customer_a, reason="Wants a person.", preferred_channel="email",
        created_by_type=CreatedByType.API_CLIENT, actor_id="1",
    )
    supervisor = Client()
    supervisor.force_login(world.supervisor)
    approval_page = f"/admin/privacy/datarightsapproval/{approval.pk}/change/"
    assert _answer(supervisor.get("/admin/privacy/datarightsapproval/")) == 200
    page = supervisor.get(approval_page)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert _answer(supervisor.post(approval_page, {"status": "approved"})) == 403
    assert _answer(supervisor.post(f"/admin/privacy/datarightsapproval/{approval.pk}/delete/", {"post": "yes"})) == 403
    approval.refresh_from_db()
    assert approval.status == "pending"

    body = supervisor.get(f"/admin/contact_requests/contactrequest/{contact_request.pk}/change/").content.decode()
    assert "Refund refused; wants a person." in body and "Je veux &lt;un humain&gt;" in body  # escaped
    assert 'name="conversation-0-summary"' not in body  # shown, never an input

    agent = Client()
    agent.force_login(world.agent)
    for path in (approval_page, f"/admin/contact_requests/contactrequest/{contact_request.pk}/change/"):
        assert _answer(agent.get(path)) == "/admin/login/"
