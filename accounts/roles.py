"""Roles are groups: customer, agent, supervisor. Staff pages need the agent or supervisor role."""

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

CUSTOMER = "customer"
AGENT = "agent"
SUPERVISOR = "supervisor"
STAFF_ROLES = (AGENT, SUPERVISOR)

# Permissions by role, as "app_label.codename". Supervisors edit configuration in the admin.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    CUSTOMER: [],
    AGENT: [
        "preferences.view_customer",
        "preferences.view_consentevent",
    ],
    SUPERVISOR: [
        "preferences.view_customer",
        "preferences.view_consentevent",
        "preferences.view_channel",
        "preferences.change_channel",
        "preferences.view_topic",
        "preferences.add_topic",
        "preferences.change_topic",
        "preferences.view_notice",
        "preferences.add_notice",
        # Supervisors look people up; they never change accounts (accounts.admin): a role with
        # change_user could make itself superuser or take over a customer's account.
        "accounts.view_user",
        "contact_requests.view_contactrequest",
        # The chatbot's conversation, read-only inline on the request (contact_requests.admin).
        "contact_requests.view_contactrequestconversation",
        "contact_requests.view_servicelevel",
        "contact_requests.add_servicelevel",
        "contact_requests.change_servicelevel",
        # The team's opening hours and urgent number (contact_requests.admin): one row, never deleted.
        "contact_requests.view_supportteam",
        "contact_requests.change_supportteam",
        "contact_requests.view_openingperiod",
        "contact_requests.add_openingperiod",
        "contact_requests.change_openingperiod",
        "contact_requests.delete_openingperiod",
        "support.view_reasoncode",
        "support.add_reasoncode",
        "support.change_reasoncode",
        # API clients and their keys (api.admin): create a client, a key (shown once), change scopes,
        # revoke. Never delete (revoking keeps the record), never a key's hash (not in any admin page).
        "api.view_apiclient",
        "api.add_apiclient",
        "api.change_apiclient",
        "api.view_apikey",
        "api.change_apikey",
        # Four-eyes approvals of exports and erasures (privacy.admin): a read-only record.
        "privacy.view_datarightsapproval",
    ],
}


def roles_ensure(*, app_config: AppConfig | None = None, **kwargs) -> None:
    """Create the role groups and give them exactly their permissions (idempotent; runs after
    migrate): a permission taken from a role here is taken from existing databases too."""
    # migrate (and a test's flush) sends post_migrate once for each app in turn, and each app's own
    # signal creates its permissions: acting on the last app's signal finds them all, once (acting on
    # every app's took 2 s of each transactional test's teardown).
    if app_config is not None and app_config is not _last_app_with_models():
        return
    wanted = {name: None for names in ROLE_PERMISSIONS.values() for name in names}
    for permission in Permission.objects.filter(codename__in={name.split(".")[1] for name in wanted}).select_related(
        "content_type"
    ):
        wanted[f"{permission.content_type.app_label}.{permission.codename}"] = permission
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([wanted[name] for name in permission_names if wanted.get(name) is not None])


def _last_app_with_models() -> AppConfig:
    """The app whose post_migrate signal comes last (Django sends it for the apps with models, in order)."""
    return [config for config in django_apps.get_app_configs() if config.models_module is not None][-1]


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_staff_member(user) -> bool:
    return bool(user_roles(user) & set(STAFF_ROLES)) or bool(user.is_authenticated and user.is_staff)


def is_supervisor(user) -> bool:
    return SUPERVISOR in user_roles(user) or bool(user.is_authenticated and user.is_superuser)


def supervisor_emails() -> list[str]:
    """The addresses of the active supervisors and superusers, sorted (who is told of overdue requests
    and of dead webhook deliveries)."""
    return list(
        get_user_model()
        .objects.filter(Q(groups__name=SUPERVISOR) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def can_manage_staff(user) -> bool:
    """Who may change staff accounts, roles and superuser status: superusers (no role has it)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("accounts.manage_staff"))


def role_grant(user, role: str, *, actor=None) -> None:
    """Add a role, recorded as a role change (by the system when no actor is given)."""
    # accounts.services imports this module (can_manage_staff): both are imported when a role is granted.
    from accounts.models import RoleChange
    from accounts.services import user_access_change

    current = set(user.groups.values_list("name", flat=True))
    if role not in current:
        source = RoleChange.Source.SYSTEM if actor is None else RoleChange.Source.ADMIN
        user_access_change(user=user, actor=actor, source=source, roles=current | {role})
