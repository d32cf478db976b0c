"""Channels and time slots as they read inside a sentence ("we will contact you by phone, on Saturdays
from 9:00 to 12:00"), not as the capitalised labels of a form ("Phone call", "Saturday, 9:00–12:00")."""

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from contact_requests.models import PreferredChannel, TimeSlot

# After "by" / "par".
CHANNEL_PHRASES = {
    PreferredChannel.PHONE: pgettext_lazy("we will contact you by …", "phone"),
    PreferredChannel.EMAIL: pgettext_lazy("we will contact you by …", "email"),
    PreferredChannel.VIDEO: pgettext_lazy("we will contact you by …", "video call"),
    PreferredChannel.MESSAGING: pgettext_lazy("we will contact you by …", "messaging (WhatsApp, RCS…)"),
}

# After "we will contact you" / "nous vous contacterons".
SLOT_PHRASES = {
    TimeSlot.WEEKDAY_MORNING: pgettext_lazy("we will contact you …", "on weekdays from 9:00 to 12:00"),
    TimeSlot.WEEKDAY_LUNCH: pgettext_lazy("we will contact you …", "on weekdays from 12:00 to 14:00"),
    TimeSlot.WEEKDAY_AFTERNOON: pgettext_lazy("we will contact you …", "on weekdays from 14:00 to 18:00"),
    TimeSlot.WEEKDAY_EVENING: pgettext_lazy("we will contact you …", "on weekdays from 18:00 to 20:00"),
    TimeSlot.SATURDAY_MORNING: pgettext_lazy("we will contact you …", "on Saturdays from 9:00 to 12:00"),
}


def channel_phrase(channel: str) -> str:
    """E.g. "phone" / "téléphone", in the active language (an unknown code as it is)."""
    phrase = CHANNEL_PHRASES.get(channel)
    return str(phrase) if phrase else channel


def slots_phrase(slots: Sequence[str]) -> str:
    """E.g. "on weekdays from 9:00 to 12:00 or on Saturdays from 9:00 to 12:00"; empty without a known slot."""
    phrases = [str(SLOT_PHRASES[slot]) for slot in slots if slot in SLOT_PHRASES]
    if len(phrases) < 2:
        return "".join(phrases)
    return _("%(first)s or %(last)s") % {"first": ", ".join(phrases[:-1]), "last": phrases[-1]}
