"""Account forms: allauth's sign-up, sign-in and authenticator set-up forms, configured (ACCOUNT_FORMS,
MFA_FORMS), not forked, and the password asked again before a sensitive change."""

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.email_verification import is_verification_rate_limited
from allauth.account.internal.flows.login import derive_login_method
from allauth.account.models import Login
from allauth.core import ratelimit
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.rate_limits import rate_limit_wait_minutes


class SignupForm(AllauthSignupForm):
    """With ACCOUNT_PREVENT_ENUMERATION an address that already has an account gets the same answer
    as a new one, but not in the same time: a new account hashes its password (about 200 ms with
    PBKDF2), a known address only queues a mail (5 ms), so timing told which emails have accounts.
    The known path hashes the submitted password too, with the same hasher, and throws it away."""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


class LoginForm(AllauthLoginForm):
    """A right password for an account whose email is not verified yet makes allauth send a new code;
    within its cooldown ("confirm_email", one code per address every three minutes) allauth refused
    the sign-in as "too many failed sign-in attempts", although nothing failed. This says what
    happened instead: a code was just sent, check the inbox or wait for another. The check runs only
    after the password was found right, so it tells nothing to someone who does not know it; accounts
    with a verified address never meet it."""

    # The id of the form's error summary (templates/allauth/elements/fields.html).
    error_summary_id = "login-error-summary"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth's help for the password is a link, "Forgot your password?": where the site puts help,
        # between the label and the input, the Tab key stopped on it between the email and the password
        # (and a password typed after one Tab went nowhere). It follows the input instead.
        if "password" in self.fields:
            self.fields["password"].help_after_input = True

    def full_clean(self) -> None:
        super().full_clean()
        # "The email address and/or password you specified are not correct" is a form-wide error: it
        # names no one field, yet both are what to correct. Both are marked invalid and described by
        # the summary that says it, as a field's own error would.
        codes = {error.code for error in self.non_field_errors().as_data()}
        if not any(str(code).endswith("_password_mismatch") for code in codes):
            return
        for name in ("login", "password"):
            described_by = " ".join(filter(None, [self.error_summary_id, self[name].aria_describedby]))
            self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": described_by})

    def _clean_with_password(self, credentials: dict):
        # allauth's own method, with the cooldown's message changed (django-allauth 65.2x).
        adapter = get_adapter(self.request)
        user = adapter.authenticate(self.request, **credentials)
        if not user:
            login_method = derive_login_method(login=self.cleaned_data["login"])
            raise adapter.validation_error(f"{login_method.value}_password_mismatch")
        login = Login(user=user, email=credentials.get("email"))
        if is_verification_rate_limited(self.request, login):
            minutes = rate_limit_wait_minutes(self.request, action="confirm_email", key=login.email.lower())
            raise forms.ValidationError(
                ngettext(
                    "Your password is right, and we have just sent a confirmation code to %(email)s: enter "
                    "it on the page that asked for it (look in your inbox, or your spam folder). For a new "
                    "code, sign in again in %(minutes)s minute.",
                    "Your password is right, and we have just sent a confirmation code to %(email)s: enter "
                    "it on the page that asked for it (look in your inbox, or your spam folder). For a new "
                    "code, sign in again in %(minutes)s minutes.",
                    minutes,
                )
                % {"email": login.email, "minutes": minutes},
                code="email_verification_pending",
            )
        self._login = login
        self.user = user
        return self.cleaned_data


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """The code that proves the app is set up: says how many digits to type and where they come from
    (allauth gives only "Code" as a placeholder), and opens a phone's number pad."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.help_text = _("The %(digits)s-digit code your app shows now for this account.") % {
            "digits": mfa_settings.TOTP_DIGITS
        }
        field.widget.attrs.pop("placeholder", None)  # "Code", repeating the label
        field.widget.attrs["inputmode"] = "numeric"


class PasswordConfirmMixin(forms.Form):
    """Changing where we reach a customer asks for their password first. Wrong passwords are
    limited per account (allauth's rate limits, action "confirm_password_failed"): a stolen session
    must not become a way to guess the password without the sign-in page's limits."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To protect your account, confirm it is you."),
    )

    RATE_LIMIT_ACTION = "confirm_password_failed"

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = getattr(request, "user", None)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.user is None or not self.user.is_authenticated:
            raise forms.ValidationError(_("This password is not right."))
        limited = dict(request=self.request, action=self.RATE_LIMIT_ACTION, user=self.user)
        if not ratelimit.consume(**limited, dry_run=True):
            # The time left, from the limit in force (ACCOUNT_RATE_LIMITS["confirm_password_failed"]).
            minutes = rate_limit_wait_minutes(self.request, action=self.RATE_LIMIT_ACTION, user=self.user)
            raise forms.ValidationError(
                ngettext(
                    "Too many wrong passwords. Wait %(minutes)s minute, then try again.",
                    "Too many wrong passwords. Wait %(minutes)s minutes, then try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="rate_limited",
            )
        if not self.user.check_password(password):
            ratelimit.consume(**limited)
            raise forms.ValidationError(_("This password is not right."))
        return password

    def rate_limited(self) -> bool:
        return self.has_error("password", "rate_limited")
