"""Console forms: search, override a setting, and work a contact request."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contact_requests.models import STAFF_STATUS_LABELS, ContactOutcome, PreferredChannel
from contact_requests.selectors import QueueFilters
from contact_requests.services import OUTCOME_MAX_LENGTH
from contact_requests.timing import OUTSIDE_REASON_MAX_LENGTH
from preferences.agent_settings import setting_current
from preferences.document import PreferenceDocument
from preferences.domain import (
    STAFF_AI_LEVEL_LABELS,
    STAFF_ASSISTANCE_MODE_LABELS,
    STAFF_DELIVERY_MODE_LABELS,
    TIME_ZONE_CHOICES,
    WEEKLY_CAP_CHOICES,
    ChannelCode,
    SubscriptionStatus,
)
from preferences.keys import SUBSCRIPTION, SettingKey
from preferences.state import BOOLEAN_FIELDS, moment_from_state
from support.models import ReasonCode
from support.services import EVIDENCE_MAX_LENGTH

YES_NO = [("yes", _("yes")), ("no", _("no"))]
DEFAULT_CHOICE = [("", _("Default (the customer's general choice)"))]
# The choices in staff words, not the customer's own ("Put me through to a person first").
AI_LEVEL_CHOICES = list(STAFF_AI_LEVEL_LABELS.items())
ASSISTANCE_MODE_CHOICES = list(STAFF_ASSISTANCE_MODE_LABELS.items())
DELIVERY_MODE_CHOICES = list(STAFF_DELIVERY_MODE_LABELS.items())


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, email, phone number or customer number"),
        max_length=200,
        min_length=2,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


def _counted(label, count: int | None) -> str:
    return label if count is None else _("%(label)s (%(count)s)") % {"label": label, "count": count}


class QueueFilterForm(forms.Form):
    """The queue's filters as labelled selects; each option says how many requests it would show."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    assigned = forms.ChoiceField(label=_("Assigned to"), required=False)
    due = forms.ChoiceField(label=_("Due time"), required=False)
    channel = forms.ChoiceField(label=_("Contact by"), required=False)

    def __init__(self, *args, counts: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.fields["status"].choices = [("", _("All in progress"))] + list(STAFF_STATUS_LABELS.items())
        self.fields["assigned"].choices = [
            ("", _counted(_("Anyone"), counts.get("total"))),
            ("mine", _counted(_("Me"), counts.get("mine"))),
            ("unassigned", _counted(_("Nobody yet"), counts.get("unassigned"))),
        ]
        self.fields["due"].choices = [
            ("", _counted(_("Any due time"), counts.get("total"))),
            ("overdue", _counted(_("Overdue only"), counts.get("overdue"))),
        ]
        self.fields["channel"].choices = [("", _counted(_("Any channel"), counts.get("total")))] + [
            (value, _counted(label, counts.get(f"channel_{value}"))) for value, label in PreferredChannel.choices
        ]

    def filters(self) -> QueueFilters:
        """The valid filters (an invalid one is dropped, as if not given)."""
        if not self.is_bound:
            return QueueFilters()
        self.is_valid()
        data = self.cleaned_data  # the valid fields only
        return QueueFilters(
            status=data.get("status", ""),
            assigned=data.get("assigned", ""),
            overdue=data.get("due") == "overdue",
            channel=data.get("channel", ""),
        )


# --- Overrides ------------------------------------------------------------------------------------


def _value_field(key: str) -> forms.Field:
    setting = SettingKey.parse(key)
    name = setting.last
    label = _("New value")
    if setting.kind == SUBSCRIPTION:
        return forms.ChoiceField(label=label, choices=SubscriptionStatus.choices[:2], widget=forms.RadioSelect)
    if name in BOOLEAN_FIELDS or name == "paper_copy":
        return forms.ChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect)
    if name == "language":
        return forms.ChoiceField(label=label, choices=[("fr", "Français"), ("en", "English")])
    if name == "ai_default":
        return forms.ChoiceField(label=label, choices=AI_LEVEL_CHOICES, widget=forms.RadioSelect)
    if name == "ai_level":
        return forms.ChoiceField(label=label, choices=DEFAULT_CHOICE + AI_LEVEL_CHOICES, required=False)
    if name == "assistance_mode":
        return forms.ChoiceField(label=label, choices=ASSISTANCE_MODE_CHOICES, widget=forms.RadioSelect)
    if name == "delivery_mode":
        return forms.ChoiceField(label=label, choices=DELIVERY_MODE_CHOICES, widget=forms.RadioSelect)
    if name in ("quiet_hours_start", "quiet_hours_end"):
        return forms.TimeField(
            label=label,
            required=False,
            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            help_text=_("Leave empty for none. Quiet hours need both a start and an end."),
        )
    if name == "time_zone":
        return forms.ChoiceField(label=label, choices=TIME_ZONE_CHOICES)
    if name == "weekly_marketing_cap":
        return forms.ChoiceField(
            label=label, choices=[("", _("No limit"))] + [(str(n), str(n)) for n in WEEKLY_CAP_CHOICES], required=False
        )
    if name == "marketing_paused_until":
        return forms.DateTimeField(
            label=label,
            required=False,
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            help_text=_("Leave empty to resume marketing now. Six months at most."),
        )
    if name == "channel_ranking":
        return forms.CharField(
            label=label,
            max_length=200,
            help_text=_("Channel codes in order, separated by commas: %(codes)s")
            % {"codes": ", ".join(ChannelCode.values)},
        )
    raise KeyError(key)


def _value_initial(key: str, current: Any) -> Any:
    name = SettingKey.parse(key).last
    if isinstance(current, bool):
        return "yes" if current else "no"
    if name == "channel_ranking":
        return ", ".join(current or [])
    if name == "marketing_paused_until" and current:
        return timezone.localtime(moment_from_state(current))
    if current is None:
        return ""
    return current


class OverrideForm(forms.Form):
    """One setting, its new value, and the mandatory reason; evidence is optional."""

    reason_code = forms.ModelChoiceField(
        label=_("Reason code"), queryset=ReasonCode.objects.filter(is_active=True), to_field_name="code"
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("The customer receives this explanation by email."),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=EVIDENCE_MAX_LENGTH,
        required=False,
        help_text=_("For example a call-recording reference or a letter number. Not sent to the customer."),
    )

    def __init__(self, *args, key: str, document: PreferenceDocument, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.fields["value"] = _value_field(key)
        self.fields["value"].initial = _value_initial(key, setting_current(document, key))
        self.order_fields(["value", "reason_code", "reason", "evidence"])
        self.fields["reason_code"].label_from_instance = lambda code: code.label

    def changes(self) -> dict[str, Any]:
        """The change in flat state form (see preferences.state); the service checks the rules."""
        value = self.cleaned_data["value"]
        name = SettingKey.parse(self.key).last
        if name in BOOLEAN_FIELDS or name == "paper_copy":
            value = value == "yes"
        elif name == "channel_ranking":
            value = [code.strip() for code in value.split(",") if code.strip()]
        elif name in ("quiet_hours_start", "quiet_hours_end"):
            value = value.strftime("%H:%M") if value else None
        elif name == "weekly_marketing_cap":
            value = int(value) if value else None
        elif name == "marketing_paused_until":
            value = value.isoformat() if value else None
        elif name == "ai_level":
            value = value or None
        return {self.key: value}


# --- Contact requests -----------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    """A proposed time (one button each) or another one; outside the customer's window, with a reason
    and their agreement (the service decides whether the time fits)."""

    scheduled_for = forms.DateTimeField(
        label=_("Another time (Paris time)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outside_reason = forms.CharField(
        label=_("Why this time, if it is outside the customer's window"),
        max_length=OUTSIDE_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    customer_agreed = forms.BooleanField(label=_("The customer agreed to this time"), required=False)


class CompleteForm(forms.Form):
    outcome_code = forms.ChoiceField(label=_("How did it end?"), choices=ContactOutcome.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        label=_("Note for the customer"),
        max_length=OUTCOME_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The customer sees this text. Needed when you reached them (what you agreed) and to close the "
            "request before its appointment (why)."
        ),
    )
    # Needed for some outcomes (the help says which): not labelled "optional" (templates/includes/field.html).
    outcome.sometimes_required = True


class UnreachableForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=OUTCOME_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Region/City names only, from the catalogue of zones the customer pages use: the IANA aliases
# ("Etc/GMT+3", "UTC"…) confuse more than they help. Built once, at import.
STAFF_TIME_ZONE_CHOICES = [(name, label) for name, label in TIME_ZONE_CHOICES if "/" in name and not name.startswith("Etc/")]


class StaffTimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone of the console's times"),
        required=False,
        choices=[("", _("The site's time zone")), *STAFF_TIME_ZONE_CHOICES],
        help_text=_("Request times, appointments and the consent ledger are shown in this zone."),
    )
