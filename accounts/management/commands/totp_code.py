"""Print the current TOTP code for a base32 secret, e.g. the demo staff logins' secrets."""

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the current time-based code for a base32 TOTP secret (development and demos)."

    def add_arguments(self, parser):
        parser.add_argument("secret")

    def handle(self, *args, secret: str, **options):
        counter = next(iter(yield_hotp_counters_from_time()))
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
