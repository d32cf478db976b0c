"""allauth's email verification step of sign-in and sign-up, configured through the adapter
(get_login_stages), so that signing up with an address that has an account answers as a new one does,
even when that address was sent a mail moments ago."""

from allauth.account import app_settings
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.email_verification import (
    add_email_verification_sent_message,
    consume_email_verification_rate_limit,
)
from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage


class EmailVerificationStage(AllauthEmailVerificationStage):
    """Signing up with an address that already has an account goes, with ACCOUNT_PREVENT_ENUMERATION,
    through a "fake" sign-in (no user) that mails the address "you already have an account". allauth
    limits those mails like codes ("confirm_email", one per address every three minutes) and, with
    verification by code, answers over the limit with a 429 page; a new address got the code page.
    So two sign-ups with one address within three minutes told that it had an account.

    Over the limit, this answers as the fake sign-in does within it (the code page, with its code and
    message), and sends nothing: the limit still caps how many mails an address receives. The code
    page of a fake sign-in accepts no code, so the code left unsent loses no one anything. A real
    sign-in (an account whose address is not verified yet) keeps allauth's answer: its sign-in form
    refuses first, saying a code was just sent (accounts.forms.LoginForm)."""

    def handle(self):
        login = self.login
        if (
            login.user is None
            and login.email
            and app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
            and login.email_verification == app_settings.EmailVerificationMethod.MANDATORY
            and not consume_email_verification_rate_limit(self.request, login.email, dry_run=True)
        ):
            return self._code_page_without_mail(login.email), True
        return super().handle()

    def _code_page_without_mail(self, email: str):
        # What allauth's fake sign-in leaves behind (65.2x, flows.email_verification
        # send_verification_email_to_address): a process with a code and no user, the "sent" message.
        process = EmailVerificationProcess(
            request=self.request, user=None, state=EmailVerificationProcess.initial_state(None, email)
        )
        process.generate_code()
        process.persist()
        add_email_verification_sent_message(self.request, email, signup=True)
        return get_adapter(self.request).respond_email_verification_sent(self.request, None)
