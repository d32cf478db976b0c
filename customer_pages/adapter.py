"""The one allauth adapter: new users become customers, and mail goes through the outbox.

A surface (customer_pages), not ground (accounts): it calls the preferences core, which accounts must
not import."""

import time
from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import ngettext

from accounts.rate_limits import rate_limit_wait_minutes
from accounts.roles import CUSTOMER, role_grant
from common import site
from common.client_ip import client_ip
from common.request_origin import request_origin
from notifications.services import email_enqueue
from preferences.contact_points import contact_point_email_mark_verified
from preferences.customers import customer_create_for_user
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext

# allauth's emails that carry a code, and the setting that says how long it works (in seconds).
CODE_TIMEOUTS = {
    "account/email/login_code": "LOGIN_BY_CODE_TIMEOUT",
    "account/email/email_confirmation": "EMAIL_VERIFICATION_BY_CODE_TIMEOUT",
    "account/email/email_confirmation_signup": "EMAIL_VERIFICATION_BY_CODE_TIMEOUT",
}
ALLAUTH_EMAIL_STAGE = "allauth.account.stages.EmailVerificationStage"
ACCOUNTS_EMAIL_STAGE = "accounts.stages.EmailVerificationStage"


@dataclass(frozen=True)
class EmailSite:
    """What allauth's email templates read as `current_site`: without django.contrib.sites, allauth
    falls back to the request's host ("Bonjour, c'est 127.0.0.1:8101 !"); emails name the site instead."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            with transaction.atomic():
                role_grant(user, CUSTOMER)
                customer_create_for_user(
                    user=user, language=getattr(request, "LANGUAGE_CODE", "fr"), **request_origin(request)
                )
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        ctx = {"request": request, "email": email}
        ctx.update(context)
        # After the update: allauth passes its own current_site to some emails (password reset).
        ctx["current_site"] = EmailSite(name=site.site_name(), domain=site.site_domain())
        if template_prefix in CODE_TIMEOUTS:
            # How long the code works (account/email/code_minutes.txt): allauth passes only the code.
            ctx["code_minutes"] = max(1, getattr(allauth_settings, CODE_TIMEOUTS[template_prefix]) // 60)
        message = self.render_mail(template_prefix, email, ctx)
        # Queued, not sent inline: a failing mail server must not lose the message or break sign-in.
        # allauth renders its emails in the active language (the page's): the sender's name follows it.
        email_enqueue(message=message, language=translation.get_language())

    def get_login_stages(self) -> list[str]:
        # allauth's email verification step, answering a known address over its mail limit as a new
        # one (accounts.stages).
        stages = super().get_login_stages()
        return [ACCOUNTS_EMAIL_STAGE if path == ALLAUTH_EMAIL_STAGE else path for path in stages]

    def get_client_ip(self, request) -> str:
        # allauth's rate limits (login failures, sign-up, reset) count per client: through the
        # trusted proxies only, as every other limit does (common.client_ip).
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_authenticate(self, request, **credentials) -> None:
        # allauth refuses a locked sign-in with "Try again later": say how long, from the limit in
        # force (ACCOUNT_RATE_LIMITS["login_failed"], per address typed and per client). The wait is
        # counted on the address typed, not on an account: it reads the same for an unknown address.
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            key = self._get_login_attempts_cache_key(request, **credentials)  # allauth's own (65.2x)
            minutes = rate_limit_wait_minutes(request, action="login_failed", key=key)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Wait %(minutes)s minute, then try again.",
                    "Too many failed sign-in attempts. Wait %(minutes)s minutes, then try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="too_many_login_attempts",
            ) from error

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth (65.2x) counts only an explicit reauthentication as a recent confirmation: the
        # sign-in's own record (password, emailed code, authenticator code) is in the session but not
        # flagged "reauthenticated", so a staff member sent to set up TOTP right after typing their
        # password was asked for it again. A sign-in completed within ACCOUNT_REAUTHENTICATION_TIMEOUT
        # counts, as that setting describes ("a successful (re)authentication"); past it, allauth asks.
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not self._authenticated_recently()

    def _authenticated_recently(self) -> bool:
        request = self.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        records = [
            record
            for record in get_authentication_records(request, user)
            if record.get("method") in allauth_settings.REAUTHENTICATION_METHODS
        ]
        if not records:
            return False
        return time.time() - records[-1]["at"] < allauth_settings.REAUTHENTICATION_TIMEOUT

    def confirm_email(self, request, email_address):
        result = super().confirm_email(request, email_address)
        context = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL, **request_origin(request))
        contact_point_email_mark_verified(user=email_address.user, context=context)
        return result
