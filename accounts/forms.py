"""Account forms: allauth's sign-up form, configured (ACCOUNT_FORMS), not forked, and the password
asked again before a sensitive change."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import ratelimit
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _


class SignupForm(AllauthSignupForm):
    """With ACCOUNT_PREVENT_ENUMERATION an address that already has an account gets the same answer
    as a new one, but not in the same time: a new account hashes its password (about 200 ms with
    PBKDF2), a known address only queues a mail (5 ms), so timing told which emails have accounts.
    The known path hashes the submitted password too, with the same hasher, and throws it away."""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


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
            raise forms.ValidationError(
                _("Too many wrong passwords. Wait a few minutes, then try again."), code="rate_limited"
            )
        if not self.user.check_password(password):
            ratelimit.consume(**limited)
            raise forms.ValidationError(_("This password is not right."))
        return password

    def rate_limited(self) -> bool:
        return self.has_error("password", "rate_limited")
