"""allauth's sign-up form, configured (ACCOUNT_FORMS), not forked."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    """With ACCOUNT_PREVENT_ENUMERATION an address that already has an account gets the same answer
    as a new one, but not in the same time: a new account hashes its password (about 200 ms with
    PBKDF2), a known address only queues a mail (5 ms), so timing told which emails have accounts.
    The known path hashes the submitted password too, with the same hasher, and throws it away."""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
