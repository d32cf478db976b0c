"""The customer's "talk to a human" form. Rules are checked again by the service."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contact_requests.models import PreferredChannel, TimeSlot
from contact_requests.phrases import slots_phrase
from contact_requests.reachability import CHANNEL_NEEDS, channel_missing_text
from contact_requests.services import REASON_MAX_LENGTH
from contact_requests.timing import time_slots_refusal
from preferences.models import Customer, Topic


class TimeSlotsField(forms.MultipleChoiceField):
    """Offers the slots the team works (its choices, set by the form); another known slot is not an
    "invalid choice" but refused by the shared rule, which says why (time_slots_refusal)."""

    def valid_value(self, value) -> bool:
        return value in TimeSlot.values


def _slots_field() -> TimeSlotsField:
    return TimeSlotsField(
        label=_("When are you available?"),
        choices=TimeSlot.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("In your time zone (set on the Channels page). Leave empty if any time suits you."),
    )


class SlotsOffered:
    """Offer only the time slots the team works (contact_requests.timing.time_slots_worked); the page
    says which are left out and why. The service refuses the others too."""

    def offer_slots(self, slots_offered) -> None:
        self.slots_offered = list(slots_offered)
        self.fields["preferred_time_slots"].choices = [
            (value, label) for value, label in TimeSlot.choices if value in self.slots_offered
        ]

    @property
    def slots_left_out_text(self) -> str:
        """Which slots are not offered and why, in the active language; empty when all are."""
        left_out = [value for value in TimeSlot.values if value not in self.slots_offered]
        if not left_out:
            return ""
        return gettext("Not offered: our team does not work %(slots)s.") % {"slots": slots_phrase(left_out)}

    def clean_preferred_time_slots(self) -> list[str]:
        slots = self.cleaned_data["preferred_time_slots"]
        refusal = time_slots_refusal(slots, worked=self.slots_offered)
        if refusal:
            raise forms.ValidationError(refusal)
        return slots


def _offer_channels(form: forms.Form, reachable: list[str]) -> None:
    """Show only the channels the customer can be reached on: the radio buttons rendered are those, so
    the error summary links to the first of them. The field still knows every channel, so one posted
    that cannot be used is refused with its reason (clean_preferred_channel), not as an unknown choice."""
    form.reachable = list(reachable)
    field = form.fields["preferred_channel"]
    field.widget.choices = [(value, label) for value, label in field.choices if value in form.reachable]


class ContactRequestForm(SlotsOffered, forms.Form):
    topic = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=Topic.objects.all(),
        required=False,
        empty_label=_("Something else"),
    )
    reason = forms.CharField(
        label=_("What would you like to talk about?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"), choices=PreferredChannel.choices, widget=forms.RadioSelect
    )
    preferred_time_slots = _slots_field()
    language = forms.ChoiceField(label=_("Language of the conversation"), choices=Customer.Language.choices)
    contested_decision = forms.CharField(
        label=_("Are you contesting a decision made automatically? Describe it"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a refused application or a price set by a computer. A person will review it."),
    )

    def __init__(self, *args, reachable: list[str], slots_offered: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_slots(slots_offered)
        # Only the channels the customer can be reached on are offered; the others say what is missing
        # and where to add it (the service refuses them too).
        _offer_channels(self, reachable)
        self.unreachable = [
            {"label": label, "missing": channel_missing_text(value), "kind": CHANNEL_NEEDS[value].kind}
            for value, label in PreferredChannel.choices
            if value not in self.reachable
        ]
        # Label each topic in the active language (the model's __str__ is its code).
        self.fields["topic"].label_from_instance = lambda topic: topic.name

    def clean_preferred_channel(self) -> str:
        channel = self.cleaned_data["preferred_channel"]
        if channel not in self.reachable:
            raise forms.ValidationError(channel_missing_text(channel))
        return channel


class ContactRequestChangeForm(SlotsOffered, forms.Form):
    """The customer changes how and when, until a person takes the request (the service checks again)."""

    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"), choices=PreferredChannel.choices, widget=forms.RadioSelect
    )
    preferred_time_slots = _slots_field()

    def __init__(self, *args, reachable: list[str], slots_offered: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_slots(slots_offered)
        _offer_channels(self, reachable)

    def clean_preferred_channel(self) -> str:
        channel = self.cleaned_data["preferred_channel"]
        if channel not in self.reachable:
            raise forms.ValidationError(channel_missing_text(channel))
        return channel


class ContactRequestCancelForm(forms.Form):
    """The "Yes, cancel it" of the confirmation page: a POST without it cancels nothing."""

    confirm = forms.BooleanField()
