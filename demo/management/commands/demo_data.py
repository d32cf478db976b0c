"""Demo logins (and optionally many synthetic customers) for development, demos and benchmarks.

Idempotent: running it twice changes nothing. Each login is printed on a line of its own, in a
stable form scripts can read: `customer: EMAIL PASSWORD`, `agent: EMAIL PASSWORD TOTP_SECRET`,
`supervisor: EMAIL PASSWORD TOTP_SECRET`, `api-key: KEY`.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.roles import AGENT, CUSTOMER, SUPERVISOR, role_grant
from api.services import api_client_create_demo
from demo.synthetic import synthetic_customers_create
from preferences.customers import customer_create
from preferences.domain import ActorType, Source, SystemReason
from preferences.ledger import ChangeContext

# Documented in the README. Demo only: these accounts are created only when DEBUG is on or on request.
DEMO_CUSTOMER = ("client@example.com", "demo-client-2026")
DEMO_AGENT = ("agent@example.com", "demo-agent-2026", "JBSWY3DPEHPK3PXPAGENT234")
DEMO_SUPERVISOR = ("superviseur@example.com", "demo-superviseur-2026", "JBSWY3DPEHPK3PXPSUPER234")


class Command(BaseCommand):
    help = "Create the demo customer, agent and supervisor (idempotent), and optionally N synthetic customers."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=0, help="Also add this many synthetic customers.")

    def handle(self, *args, customers: int = 0, **options):
        with transaction.atomic():
            self._customer()
            self._staff(DEMO_AGENT, AGENT, is_staff=False)
            self._staff(DEMO_SUPERVISOR, SUPERVISOR, is_staff=True)
        self.stdout.write(f"customer: {DEMO_CUSTOMER[0]} {DEMO_CUSTOMER[1]}")
        self.stdout.write(f"agent: {DEMO_AGENT[0]} {DEMO_AGENT[1]} {DEMO_AGENT[2]}")
        self.stdout.write(f"supervisor: {DEMO_SUPERVISOR[0]} {DEMO_SUPERVISOR[1]} {DEMO_SUPERVISOR[2]}")
        self._api_key()
        if customers:
            created = synthetic_customers_create(count=customers)
            self.stdout.write(f"synthetic customers added: {created}")

    def _user(self, email: str, password: str, *, is_staff: bool) -> tuple[User, bool]:
        user = User.objects.filter(email=email).first()
        created = user is None
        if created:  # through the manager, which records the staff flag as a role change
            user = User.objects.create_user(email=email, password=password, is_staff=is_staff)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user, created

    def _customer(self) -> None:
        email, password = DEMO_CUSTOMER
        user, created = self._user(email, password, is_staff=False)
        if created:
            user.first_name, user.last_name = "Camille", "Martin"
            user.save(update_fields=["first_name", "last_name"])
            role_grant(user, CUSTOMER)
            customer_create(
                user=user,
                email=email,
                first_name="Camille",
                last_name="Martin",
                language="fr",
                email_verified=True,
                external_id="CRM-DEMO-0001",
                context=ChangeContext(
                    actor_type=ActorType.SYSTEM, source=Source.IMPORT, reason_code=SystemReason.DEMO_DATA
                ),
            )

    def _staff(self, login: tuple[str, str, str], role: str, *, is_staff: bool) -> None:
        email, password, secret = login
        user, created = self._user(email, password, is_staff=is_staff)
        if created:
            role_grant(user, role)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, secret)

    def _api_key(self) -> None:
        """A development API key with every scope, printed once; only with DEBUG on."""
        if not settings.DEBUG:
            return
        key = api_client_create_demo()
        if key:
            self.stdout.write(f"api-key: {key}")
