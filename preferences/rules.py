"""Business rules on configuration and choices that need no database."""

from django.utils.translation import gettext as _

from preferences.domain import PRIOR_OPTIN_CHANNELS, ChannelCode, TopicKind


def topic_configuration_errors(*, kind: str, allowed: list[str], default: list[str]) -> dict[str, str]:
    """What is wrong with a topic's channel configuration, by field (empty when it is valid)."""
    errors: dict[str, str] = {}
    known = set(ChannelCode.values)
    if unknown := [code for code in allowed + default if code not in known]:
        errors["allowed_channels"] = _("Unknown channel codes: %(codes)s.") % {"codes": ", ".join(sorted(set(unknown)))}
        return errors
    if not set(default) <= set(allowed):
        errors["default_channels"] = _("Every default channel must also be an allowed channel.")
    if kind == TopicKind.CRITICAL and (not allowed or not default):
        errors["default_channels"] = _("A critical topic must allow and default to at least one channel.")
    if kind == TopicKind.MARKETING and (forbidden := sorted(set(default) & PRIOR_OPTIN_CHANNELS)):
        errors["default_channels"] = _(
            "A marketing topic cannot be on by default on a prior-opt-in channel (%(codes)s)."
        ) % {"codes": ", ".join(forbidden)}
    return errors
