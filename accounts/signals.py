"""Session hygiene that allauth leaves to the project: a new session key whenever a person's
authenticators change (TOTP set up or removed, recovery codes regenerated), as Django already does
at sign-in and at a password change. A session id seen before the change is worth nothing after it.
(Found missing by tests/security/test_auth_hardening.py.)"""

from allauth.mfa import signals as mfa_signals


def session_renew(sender, request=None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.cycle_key()


def connect() -> None:
    for signal in (mfa_signals.authenticator_added, mfa_signals.authenticator_removed, mfa_signals.authenticator_reset):
        signal.connect(session_renew, dispatch_uid=f"accounts.session_renew.{id(signal)}")
