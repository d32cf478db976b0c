"""The forms of the customer's preference pages: they parse and validate input and turn it into flat
state changes for the services."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordConfirmMixin
from common.time_zones import time_zone_choices, time_zone_name
from preferences.contact_points import contact_point_value_clean
from preferences.document import PreferenceDocument
from preferences.domain import (
    WEEKLY_CAP_CHOICES,
    AiLevel,
    AssistanceMode,
    ContactPointKind,
    DeliveryMode,
    SubscriptionStatus,
)
from preferences.keys import SettingKey
from preferences.state import PreferenceError


class _ContactPointAddForm(PasswordConfirmMixin):
    """A new contact point and the password: the value is checked by the service's own rule here too,
    so that a wrong number and a wrong password are both said at once, the value's first."""

    kind = ""
    field_order = ["value", "password"]

    def clean_value(self) -> str:
        value = self.cleaned_data["value"]
        try:
            contact_point_value_clean(kind=self.kind, value=value)
        except PreferenceError as error:
            raise forms.ValidationError(error.message_dict.get("value", error.messages)) from None
        return value


class EmailAddForm(_ContactPointAddForm):
    kind = ContactPointKind.EMAIL
    value = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PhoneAddForm(_ContactPointAddForm):
    kind = ContactPointKind.PHONE
    value = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("A French number such as 06 12 34 56 78, or an international one starting with +."),
    )


class PostalAddForm(_ContactPointAddForm):
    kind = ContactPointKind.POSTAL
    value = forms.CharField(
        label=_("Postal address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
        help_text=_("Name, street, then postcode and town, each on its own line."),
    )


class ContactPointRemoveForm(PasswordConfirmMixin):
    pass


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )


class SettingsForm(forms.Form):
    """Quiet hours, time zone, language, weekly cap and format needs."""

    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours start"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours end"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("Listed by country and territory, with today’s difference from UTC.")
    )
    language = forms.ChoiceField(label=_("Language of our messages"), choices=[("fr", "Français"), ("en", "English")])
    weekly_marketing_cap = forms.TypedChoiceField(
        label=_("At most this many marketing messages a week"),
        choices=[("", _("No limit"))] + [(str(n), str(n)) for n in WEEKLY_CAP_CHOICES],
        required=False,
        coerce=int,
        empty_value=None,
    )
    large_print = forms.BooleanField(label=_("Large print on paper"), required=False)
    plain_text_email = forms.BooleanField(label=_("Plain-text emails (no images or layout)"), required=False)
    easy_read = forms.BooleanField(label=_("Easy-to-read wording (the FALC method)"), required=False)

    def __init__(self, *args, time_zone: str, stored_quiet_hours: tuple = (None, None), **kwargs):
        super().__init__(*args, **kwargs)
        # A console agent may set one end of the quiet hours at a time (preferences.changes): a pair
        # left half-set that way, sent back untouched, must not block the customer's other settings.
        self.stored_quiet_hours = stored_quiet_hours
        # The list offers current names only; the zone stored (an alias an integrator set through the
        # API, say) and the one posted, when zoneinfo knows them, are offered too: shown as chosen and
        # kept on save, never swapped for the first of the list. Which names are valid is the service's rule.
        posted = self.data.get("time_zone") if self.is_bound else None
        keep = [time_zone, posted if isinstance(posted, str) else ""]
        self.fields["time_zone"].choices = time_zone_choices(now=timezone.now(), keep=keep)
        # The hours mean nothing without their zone: name the one they are read in today.
        help_text = gettext("In your time zone, %(zone)s (you can change it below).") % {
            "zone": time_zone_name(time_zone)
        }
        for name in ("quiet_hours_start", "quiet_hours_end"):
            self.fields[name].help_text = help_text

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None) and not self._quiet_hours_untouched():
            raise forms.ValidationError(_("Give both the start and the end of your quiet hours, or neither."))
        if start is not None and start == end:
            self.add_error("quiet_hours_end", _("Quiet hours must start and end at different times."))
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {str(SettingKey.customer(name)): data[name] for name in self.fields}
        for name in ("quiet_hours_start", "quiet_hours_end"):
            value = data[name]
            changes[str(SettingKey.customer(name))] = value.strftime("%H:%M") if value else None
        if self._quiet_hours_untouched():
            del changes["customer.quiet_hours_start"], changes["customer.quiet_hours_end"]
        return changes

    def _quiet_hours_untouched(self) -> bool:
        sent = (self.cleaned_data.get("quiet_hours_start"), self.cleaned_data.get("quiet_hours_end"))
        return sent == tuple(self.stored_quiet_hours)


class RankingMoveForm(forms.Form):
    channel = forms.CharField(max_length=16)
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def changes(self, document: PreferenceDocument) -> dict[str, Any] | None:
        ranking = document.ranking()
        channel, direction = self.cleaned_data["channel"], self.cleaned_data["direction"]
        if channel not in ranking:
            return None
        index = ranking.index(channel)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(ranking):
            return {}
        ranking[index], ranking[target] = ranking[target], ranking[index]
        return {"customer.channel_ranking": ranking}


AI_CHOICES_WITH_DEFAULT = [("", _("Use my general choice"))] + list(AiLevel.choices)


class TopicsForm(forms.Form):
    """Every topic: its channels, paper copy, delivery mode and AI level, in one form, laid out as a
    grid of topics (rows) by channels (columns, in the customer's order)."""

    def __init__(self, *args, document: PreferenceDocument, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        usable = document.usable_channels()
        channels = document.catalog.channels_by_code
        self.columns = [channels[code] for code in document.ranking() if code in channels]
        self.topic_groups = []
        for topic in document.catalog.topics:
            group = {"topic": topic, "cells": [], "paper": None, "delivery": None, "ai": None}
            for channel in self.columns:
                code = channel.code
                if code not in topic.allowed_channels:
                    group["cells"].append({"name": None, "code": code, "channel": channel})
                    continue
                name = f"sub__{topic.code}__{code}"
                status = document.subscription_status(topic, code)
                is_in = status == SubscriptionStatus.IN
                # A channel the customer cannot be reached on is shown disabled (one already on stays
                # free to be unticked). The field itself stays open: a ticked one posted anyway gets
                # the service's refusal, in words, rather than being silently ignored.
                disabled = code not in usable and not is_in
                self.fields[name] = forms.BooleanField(label=channel.name, required=False, initial=is_in)
                self.fields[name].topic_name = topic.name  # the error summary says whose ("Offres : e-mail")
                group["cells"].append(
                    {
                        "name": name,
                        "code": code,
                        "channel": channel,
                        "disabled": disabled,
                        "pending": status == SubscriptionStatus.PENDING and not disabled,
                    }
                )
            if topic.paper_copy_available:
                name = f"paper__{topic.code}"
                self.fields[name] = forms.BooleanField(
                    label=_("Also send me a paper copy"), required=False, initial=document.topic_setting(topic, "paper_copy")
                )
                group["paper"] = name
            if topic.has_delivery_mode:
                name = f"delivery__{topic.code}"
                self.fields[name] = forms.ChoiceField(
                    label=_("How to deliver"),
                    choices=DeliveryMode.choices,
                    widget=forms.RadioSelect,
                    initial=document.topic_setting(topic, "delivery_mode"),
                )
                group["delivery"] = name
            name = f"ai__{topic.code}"
            stored = (document.customer.topic_settings or {}).get(topic.code, {}).get("ai_level")
            self.fields[name] = forms.ChoiceField(
                label=_("Messages written with AI"), choices=AI_CHOICES_WITH_DEFAULT, required=False, initial=stored or ""
            )
            group["ai"] = name
            for name in (group["paper"], group["delivery"], group["ai"]):
                if name:
                    self.fields[name].topic_name = topic.name
            self.topic_groups.append(group)

    def groups(self):
        """Bound fields grouped by topic, for the template: each channel cell's checkbox rendered with
        what describes it (why it is disabled, a pending confirmation, its error)."""
        for group in self.topic_groups:
            cells = []
            for cell in group["cells"]:
                if cell["name"] is None:
                    cells.append(cell)
                    continue
                field = self[cell["name"]]
                field_id = field.id_for_label
                described_by = [
                    f"{field_id}_{suffix}"
                    for suffix, present in (("why", cell["disabled"]), ("pending", cell["pending"]), ("error", field.errors))
                    if present
                ]
                attrs: dict[str, Any] = {"aria-describedby": " ".join(described_by)} if described_by else {}
                if cell["disabled"]:
                    attrs["disabled"] = True
                if field.errors:
                    attrs["aria-invalid"] = "true"
                cells.append(dict(cell, field=field, widget=field.as_widget(attrs=attrs)))
            fields = [self[name] for name in (group["paper"], group["delivery"], group["ai"]) if name]
            yield {
                "topic": group["topic"],
                "cells": cells,
                "paper": self[group["paper"]] if group["paper"] else None,
                "delivery": self[group["delivery"]] if group["delivery"] else None,
                "ai": self[group["ai"]],
                "has_errors": any(field.errors for field in fields),
            }

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            kind, topic_code, *rest = name.split("__")
            if kind == "sub":
                # An opt-in waiting for the customer's confirmation stays so unless they tick it here.
                if not value and self.document.subscription_status(
                    self.document.catalog.topics_by_code[topic_code], rest[0]
                ) == SubscriptionStatus.PENDING:
                    continue
                changes[str(SettingKey.subscription(topic_code, rest[0]))] = SubscriptionStatus.IN if value else SubscriptionStatus.OUT
            elif kind == "paper":
                changes[str(SettingKey.topic(topic_code, "paper_copy"))] = value
            elif kind == "delivery":
                changes[str(SettingKey.topic(topic_code, "delivery_mode"))] = value
            elif kind == "ai":
                changes[str(SettingKey.topic(topic_code, "ai_level"))] = value or None
        return changes


class MarketingObjectionForm(forms.Form):
    objection = forms.TypedChoiceField(choices=[("on", "on"), ("off", "off")], coerce=lambda v: v == "on")
    # Objecting asks for a confirmation first: the form posted without it shows what will change.
    confirm = forms.BooleanField(required=False)

    def clean(self):
        # The fields are hidden inputs the customer never sees: one missing or garbled (an empty POST, a
        # form cut short) is said as one error about the buttons they do see, not "Objection: required".
        if "objection" in self.errors:
            del self.errors["objection"]
            raise forms.ValidationError(
                _("Nothing was changed: your answer did not reach us. Please choose again with the buttons below."),
                code="incomplete",
            )
        return super().clean()


class MarketingPauseForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Pause for"),
        choices=[("1", _("1 month")), ("3", _("3 months")), ("6", _("6 months"))],
        coerce=int,
        widget=forms.RadioSelect,
        initial="1",
    )


class UndoForm(forms.Form):
    """The change to undo, named by the first event it wrote, and the page to come back to."""

    event = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    next = forms.CharField(required=False, max_length=500)


class AiForm(forms.Form):
    ai_default = forms.ChoiceField(
        label=_("For all topics, unless I chose otherwise"), choices=AiLevel.choices, widget=forms.RadioSelect
    )
    assistance_mode = forms.ChoiceField(
        label=_("When I ask for help"), choices=AssistanceMode.choices, widget=forms.RadioSelect
    )

    def changes(self) -> dict[str, Any]:
        return {str(SettingKey.customer(name)): value for name, value in self.cleaned_data.items()}
