"""The user model: sign-in by email, no username."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Users are found by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        from django.db import transaction

        # accounts.services imports this module's models: it is imported when a user is created.
        from accounts.services import user_access_change

        if not email:
            raise ValueError("An email address is required.")
        # Staff and superuser flags are given through the service that records them (RoleChange).
        access = {flag: bool(extra_fields.pop(flag, False)) for flag in ("is_staff", "is_superuser")}
        with transaction.atomic(using=self._db):
            user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
            user.set_password(password)
            user.save(using=self._db)
            if any(access.values()):
                user_access_change(user=user, actor=None, source=RoleChange.Source.SYSTEM, **access)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: a customer or a member of staff. Email is the login."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    # Staff only: the zone the console shows times in (accounts.middleware.StaffTimeZoneMiddleware);
    # empty for the site's own (TIME_ZONE). Customers have theirs on their Customer.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            # Given to no role: only superusers (who hold every permission) change who is staff.
            ("manage_staff", "Can change staff accounts, roles and superuser status"),
        ]

    def __str__(self) -> str:
        return self.email


class RoleChange(models.Model):
    """One change of who a person is to the site: a role (group) or the staff or superuser flag.

    Written by accounts.services in the same transaction as the change; never updated. The two
    people are kept by id without a database constraint, so that the record outlives a deleted
    account and holds no copy of a customer's email (erasure anonymises the account itself); the
    actor's email is copied, since staff accounts are what the record is about."""

    class What(models.TextChoices):
        ROLES = "roles", _("roles")
        IS_STAFF = "is_staff", _("staff status")
        IS_SUPERUSER = "is_superuser", _("superuser status")

    class Source(models.TextChoices):
        ADMIN = "admin", _("admin")
        SYSTEM = "system", _("system")

    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)  # empty: the system (sign-up, a command)
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="role_changes")
    what = models.CharField(max_length=20, choices=What.choices)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.what} {self.old_value!r} → {self.new_value!r}"
