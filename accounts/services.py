"""Changes to who a person is to the site (roles, staff and superuser flags), each one recorded."""


from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import RoleChange, User
from accounts.roles import can_manage_staff
from common.time_zones import known_zones


def _names(values) -> str:
    return ",".join(sorted(values))


def user_access_change(
    *,
    user: User,
    actor: User | None,
    source: str,
    roles: set[str] | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
) -> list[RoleChange]:
    """Set the user's roles and flags (None: unchanged) and record each change: who, whom, old → new.

    One transaction, the user's row locked, so that two changes at once record true old values.
    `actor` None is the system (sign-up, a command); a person must be allowed to manage staff."""
    if actor is not None and not can_manage_staff(actor):
        raise PermissionDenied("Only superusers change roles and staff status.")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        records: list[RoleChange] = []

        def record(what: str, old: str, new: str) -> None:
            records.append(
                RoleChange(
                    actor=actor,
                    actor_email=actor.email if actor is not None else "",
                    user_id=locked.pk,
                    what=what,
                    old_value=old,
                    new_value=new,
                    source=source,
                )
            )

        changed_flags = []
        for flag, wanted in (("is_staff", is_staff), ("is_superuser", is_superuser)):
            if wanted is not None and getattr(locked, flag) != wanted:
                record(flag, str(getattr(locked, flag)), str(wanted))
                setattr(locked, flag, wanted)
                setattr(user, flag, wanted)
                changed_flags.append(flag)
        if changed_flags:
            locked.save(update_fields=changed_flags)
        if roles is not None:
            current = set(locked.groups.values_list("name", flat=True))
            if current != roles:
                groups = list(Group.objects.filter(name__in=roles))
                if len(groups) != len(roles):
                    raise ValueError(f"Unknown roles: {sorted(roles - {group.name for group in groups})}")
                locked.groups.set(groups)
                record(RoleChange.What.ROLES, _names(current), _names(roles))
        RoleChange.objects.bulk_create(records)
    if hasattr(user, "_role_names"):
        del user._role_names
    return records


def staff_time_zone_set(*, user: User, time_zone: str) -> User:
    """The zone a staff member sees the console's times in ("" for the site's); a valid IANA name."""
    if time_zone and time_zone not in known_zones():
        raise ValueError(f"Unknown time zone {time_zone!r}.")
    user.time_zone = time_zone
    user.save(update_fields=["time_zone"])
    return user
