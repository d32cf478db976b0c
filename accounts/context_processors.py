"""Template context: whether the signed-in person is staff or a supervisor (for the menu)."""

from accounts.roles import is_staff_member, is_supervisor


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_member": False, "is_supervisor": False}
    return {"is_staff_member": is_staff_member(user), "is_supervisor": is_supervisor(user)}
