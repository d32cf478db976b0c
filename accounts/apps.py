"""The accounts app: users who sign in by email, roles as groups (created after every migrate)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Imported here: Django loads apps.py before the models these modules use are ready.
        from accounts.roles import roles_ensure

        # Groups and their permissions are configuration that must exist on every database. Not tied
        # to this app's migrations: the permissions of apps migrated later must exist by then.
        post_migrate.connect(roles_ensure, dispatch_uid="accounts.roles_ensure")

        from accounts import signals  # see above: models are ready only now

        signals.connect()
