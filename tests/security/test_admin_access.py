"""The admin, role by role: what anonymous visitors, customers, agents, supervisors and superusers
can do with people's accounts, and with every model the admin shows.

Django's UserAdmin, as it comes, lets a role with change_user make itself superuser (`is_superuser`
on the change form) and set any customer's password (the password form), then sign in as them.
Here supervisors look accounts up; only superusers change staff accounts and roles, each change
recorded (RoleChange); nobody sets another person's password.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.test import Client

from accounts.models import RoleChange, User
from accounts.roles import AGENT, CUSTOMER, ROLE_PERMISSIONS, SUPERVISOR, can_manage_staff, role_grant, roles_ensure
from accounts.services import user_access_change
from notifications.models import OutboundMessage
from tests.conftest import PASSWORD, make_staff_user
from tests.security.test_access_matrix import LOGIN, TOTP, _answer, _matches
from tests.security.world import World, world_build

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
CALLERS = ("anonymous", "customer_a", "agent", "supervisor", "superuser", "staff_without_totp")
STOLEN_PASSWORD = "taken-over-Pass-2026"


@pytest.fixture
def world(db) -> World:
    return world_build()


@pytest.fixture
def superuser(db) -> User:
    user = make_staff_user("root.sec@example.com", AGENT)
    user_access_change(user=user, actor=None, source=RoleChange.Source.SYSTEM, is_staff=True, is_superuser=True)
    return user


def _caller_user(world: World, superuser: User, caller: str) -> User | None:
    return {
        "customer_a": world.user_a,
        "agent": world.agent,
        "supervisor": world.supervisor,
        "superuser": superuser,
        "staff_without_totp": world.staff_without_totp,
    }.get(caller)


def _escalation(user: User) -> dict:
    """What the reporter POSTed: superuser, staff, the supervisor role, and someone else's email."""
    return {
        "email": "attacker-owned@example.com",
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.get(name=SUPERVISOR).pk],
    }


def _state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.email, user.is_staff, user.is_superuser, user.password, sorted(user.groups.values_list("name", flat=True)))


def _user_pages(world: World, caller_user: User | None) -> list[tuple[str, str, str, object]]:
    """(what, method, path, data) for the user pages, aimed at customer B, at a staff member and at
    the caller's own account."""
    b, staff = world.user_b.pk, world.agent.pk
    own = caller_user.pk if caller_user is not None else b
    new_password = {"password1": STOLEN_PASSWORD, "password2": STOLEN_PASSWORD, "usable_password": "true"}
    return [
        ("list", "GET", "/admin/accounts/user/", None),
        ("change B", "GET", f"/admin/accounts/user/{b}/change/", None),
        ("escalate B", "POST", f"/admin/accounts/user/{b}/change/", "escalate:b"),
        ("escalate self", "POST", f"/admin/accounts/user/{own}/change/", "escalate:own"),
        ("escalate staff", "POST", f"/admin/accounts/user/{staff}/change/", "escalate:staff"),
        ("add", "GET", "/admin/accounts/user/add/", None),
        ("add", "POST", "/admin/accounts/user/add/", {"email": "new.person@example.com"}),
        ("password B", "GET", f"/admin/accounts/user/{b}/password/", None),
        ("password B", "POST", f"/admin/accounts/user/{b}/password/", new_password),
        ("password self", "POST", f"/admin/accounts/user/{own}/password/", new_password),
        ("delete B", "GET", f"/admin/accounts/user/{b}/delete/", None),
        ("delete B", "POST", f"/admin/accounts/user/{b}/delete/", {"post": "yes"}),
        ("role changes", "GET", "/admin/accounts/rolechange/", None),
        ("groups", "GET", "/admin/auth/group/", None),
        ("group change", "POST", f"/admin/auth/group/{Group.objects.get(name=SUPERVISOR).pk}/change/",
         {"name": SUPERVISOR, "permissions": [Permission.objects.get(codename="manage_staff").pk]}),
    ]


def _not_staff(answer):
    """Anonymous visitors, customers and agents: the admin sends them to its login page."""
    return {"anonymous": answer, "customer_a": answer, "agent": answer}


USERS = "/admin/accounts/user/"
# what → answers of supervisor and superuser; the others are sent to /admin/login/ (TOTP set-up first).
STAFF_ANSWERS: dict[tuple[str, str], tuple] = {
    ("list", "GET"): (200, 200),
    ("change B", "GET"): (200, 200),  # the supervisor's is read-only
    ("escalate B", "POST"): (403, USERS),
    ("escalate self", "POST"): (403, USERS),
    ("escalate staff", "POST"): (403, USERS),
    ("add", "GET"): (403, 200),
    ("add", "POST"): (403, USERS),  # then the new account's change page
    ("password B", "GET"): (403, 403),  # nobody sets another person's password
    ("password B", "POST"): (403, 403),
    ("password self", "POST"): (403, 403),
    ("delete B", "GET"): (403, 200),
    ("delete B", "POST"): (403, USERS),
    ("role changes", "GET"): (403, 200),
    ("groups", "GET"): (403, 200),
    ("group change", "POST"): (403, "/admin/auth/group/"),
}


def _expected(caller: str, what: str, method: str):
    if caller in ("anonymous", "customer_a", "agent"):
        return ADMIN_LOGIN
    if caller == "staff_without_totp":
        return TOTP
    supervisor, superuser = STAFF_ANSWERS[(what, method)]
    return supervisor if caller == "supervisor" else superuser


def test_the_admin_s_user_pages_answer_each_role_exactly_and_nobody_but_a_superuser_changes_access(world, superuser):
    failures = []
    for caller in CALLERS:
        caller_user = _caller_user(world, superuser, caller)
        for what, method, path, data in _user_pages(world, caller_user):
            targets = {"b": world.user_b, "own": caller_user or world.user_b, "staff": world.agent}
            if isinstance(data, str):
                data = _escalation(targets[data.split(":")[1]])
            watched = [world.user_b, world.agent, *([caller_user] if caller_user else [])]
            with transaction.atomic():
                before = [_state(user) for user in watched]
                client = Client()
                if caller_user is not None:
                    client.force_login(caller_user)
                response = client.get(path) if method == "GET" else client.post(path, data or {})
                after = [_state(user) if User.objects.filter(pk=user.pk).exists() else None for user in watched]
                changes = RoleChange.objects.filter(actor__isnull=False).count()
                group_perms = set(Group.objects.get(name=SUPERVISOR).permissions.values_list("codename", flat=True))
                transaction.set_rollback(True)
            expected, actual = _expected(caller, what, method), _answer(response)
            if not _matches(expected, actual):
                failures.append(f"{method} {path} ({what}) as {caller}: expected {expected}, got {actual}")
            if caller != "superuser":
                if before != after:
                    failures.append(f"{method} {path} ({what}) as {caller} changed an account: {before} → {after}")
                if changes or "manage_staff" in group_perms:
                    failures.append(f"{method} {path} ({what}) as {caller} changed roles or a role's permissions")
            elif method == "POST" and what.startswith("escalate") and not changes:
                failures.append(f"{method} {path} as superuser: the role change was not recorded")
    assert not failures, "\n".join(failures)


# Every model the admin shows: (list page, add page) for a supervisor and for a superuser. Anonymous
# visitors, customers and agents are sent to /admin/login/ for all of them. A new model admin must
# be added here, so that what each role can do with it is decided, not inherited.
ADMIN_MODELS: dict[str, tuple[tuple, tuple]] = {
    # label: ((supervisor list, supervisor add), (superuser list, superuser add))
    "accounts.user": ((200, 403), (200, 200)),
    "accounts.rolechange": ((403, 403), (200, 403)),
    "auth.group": ((403, 403), (200, 200)),
    "preferences.channel": ((200, 403), (200, 403)),
    "preferences.topic": ((200, 200), (200, 200)),
    "preferences.notice": ((200, 200), (200, 200)),
    "preferences.customer": ((200, 403), (200, 403)),
    "preferences.consentevent": ((200, 403), (200, 403)),
    "contact_requests.contactrequest": ((200, 403), (200, 403)),
    "contact_requests.servicelevel": ((200, 200), (200, 200)),
    "support.reasoncode": ((200, 200), (200, 200)),
    "api.apiclient": ((403, 403), (200, 200)),
    "api.apikey": ((403, 403), (200, 403)),
    "api.send": ((403, 403), (200, 403)),
    "webhooks.webhookendpoint": ((200, 200), (200, 200)),
    "webhooks.webhookdelivery": ((200, 403), (200, 403)),
    "webhooks.outboxevent": ((200, 403), (200, 403)),
    # allauth's own: a supervisor may not touch email addresses or authenticators.
    "account.emailaddress": ((403, 403), (200, 200)),
    "mfa.authenticator": ((403, 403), (200, 200)),
}


def test_every_admin_model_is_in_the_table():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS), (
        f"missing: {sorted(registered - set(ADMIN_MODELS))}, gone: {sorted(set(ADMIN_MODELS) - registered)}"
    )


def test_each_role_s_power_over_every_admin_model(world, superuser):
    failures = []
    for model in admin.site._registry:
        label = model._meta.label_lower
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for caller in CALLERS:
            caller_user = _caller_user(world, superuser, caller)
            client = Client()
            if caller_user is not None:
                client.force_login(caller_user)
            for index, path in enumerate((base, f"{base}add/")):
                if caller in ("anonymous", "customer_a", "agent"):
                    expected = ADMIN_LOGIN
                elif caller == "staff_without_totp":
                    expected = TOTP
                else:
                    expected = ADMIN_MODELS.get(label, ((None, None), (None, None)))[caller == "superuser"][index]
                actual = _answer(client.get(path))
                if not _matches(expected, actual):
                    failures.append(f"GET {path} as {caller}: expected {expected}, got {actual}")
    assert not failures, "\n".join(failures)


# --- The reported attack, step by step, and what superusers do instead ------------------------------


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_supervisor_cannot_make_themselves_superuser_or_take_over_a_customer(world):
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


def test_a_role_given_change_user_by_mistake_still_cannot_change_access_or_emails(world):
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


def test_a_superuser_s_role_change_is_recorded_who_whom_old_new_when(world, superuser):
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


def test_a_superuser_adds_an_account_without_a_password_and_sends_a_reset_link(world, superuser):
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
    message = OutboundMessage.objects.order_by("-pk").first()
    assert OutboundMessage.objects.count() == before + 1 and message.to == [world.user_b.email] or world.user_b.email in str(message.to)
    world.user_b.refresh_from_db()
    assert world.user_b.check_password(PASSWORD)  # unchanged until its owner follows the link
    # A supervisor does not have the action.
    supervisor = Client()
    supervisor.force_login(world.supervisor)
    page = supervisor.get("/admin/accounts/user/").content.decode()
    assert "send_password_reset_link" not in page


def test_a_superuser_still_signs_in_with_totp_only(superuser):
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
