"""Settings of accounts (django-allauth, its MFA and the password rules): email is the login, no username.
Imported by base.py, which every settings module starts from."""

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "customer_pages.adapter.AccountAdapter"
# accounts/forms.py: sign-up costs the same for a known and a new address; sign-in says a code was just
# sent rather than "too many failed attempts"; the TOTP set-up (MFA_FORMS below) says what to type.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # Repeated failures for one account lock it for a while, even with the right password.
    "login_failed": "5/5m/key,20/5m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "5/m/ip,3/15m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    # The password asked before a contact point is added or removed (accounts.forms.PasswordConfirmMixin).
    "confirm_password_failed": "5/5m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {"activate_totp": "accounts.forms.ActivateTOTPForm"}
MFA_TOTP_ISSUER = "Portail préférences"
