"""A chatbot's hand-off: a request to talk to a person together with the conversation the customer
already had with the bot (a transcript and/or a summary, and the bot's name), so nobody asks again."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contact_requests.actors import ContactRequestError
from contact_requests.models import ContactRequest, ContactRequestConversation, ConversationSpeaker
from contact_requests.services import contact_request_create

BOT_NAME_MAX_LENGTH = 100
SUMMARY_MAX_LENGTH = 4000
TURN_TEXT_MAX_LENGTH = 2000
MAX_TURNS = 200
# All the turns' texts together: a person reads it before calling, and it is kept with the request.
TRANSCRIPT_MAX_CHARACTERS = 50_000
# A bot's clock may run a little ahead of ours; a turn further in the future is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ConversationTurn:
    """One message of the conversation: who said it, what, when."""

    speaker: str
    text: str
    time: datetime


@dataclass(frozen=True)
class Conversation:
    """What a chatbot hands over with a request: its name, a summary and/or the transcript (oldest first)."""

    bot_name: str
    summary: str = ""
    transcript: Sequence[ConversationTurn] = ()


def conversation_errors(conversation: Conversation, *, now: datetime) -> dict[str, str]:
    """What is wrong with a conversation handed over, by field ({} when it is fine)."""
    errors: dict[str, str] = {}
    if not conversation.bot_name.strip():
        errors["bot_name"] = _("Name the assistant that talked with the customer.")
    elif len(conversation.bot_name) > BOT_NAME_MAX_LENGTH:
        errors["bot_name"] = _("Keep it under %(max)s characters.") % {"max": BOT_NAME_MAX_LENGTH}
    if len(conversation.summary) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _("Keep it under %(max)s characters.") % {"max": SUMMARY_MAX_LENGTH}
    turns = list(conversation.transcript)
    if not conversation.summary.strip() and not turns:
        errors["transcript"] = _("Give the transcript of the conversation, a summary of it, or both.")
    elif len(turns) > MAX_TURNS:
        errors["transcript"] = _("At most %(max)s turns.") % {"max": MAX_TURNS}
    elif turn_error := _turns_error(turns, now=now):
        errors["transcript"] = turn_error
    return errors


def _turns_error(turns: list[ConversationTurn], *, now: datetime) -> str:
    total = 0
    previous: datetime | None = None
    for number, turn in enumerate(turns, start=1):
        if turn.speaker not in ConversationSpeaker.values:
            return _("Turn %(number)s: the speaker is “bot” or “customer”.") % {"number": number}
        if not turn.text.strip():
            return _("Turn %(number)s has no text.") % {"number": number}
        if len(turn.text) > TURN_TEXT_MAX_LENGTH:
            return _("Turn %(number)s: keep each turn under %(max)s characters.") % {
                "number": number,
                "max": TURN_TEXT_MAX_LENGTH,
            }
        if turn.time > now + CLOCK_SKEW:
            return _("Turn %(number)s is dated in the future.") % {"number": number}
        if previous is not None and turn.time < previous:
            return _("Turn %(number)s is older than the one before: give the turns oldest first.") % {"number": number}
        previous = turn.time
        total += len(turn.text)
    if total > TRANSCRIPT_MAX_CHARACTERS:
        return _("The transcript is too long: at most %(max)s characters in all.") % {"max": TRANSCRIPT_MAX_CHARACTERS}
    return ""


def contact_request_handoff(
    *, conversation: Conversation, now: datetime | None = None, **request_fields: Any
) -> ContactRequest:
    """Open a request as contact_request_create(**request_fields) does, with the conversation that led
    to it, in one transaction: both are stored or neither. Raises ContactRequestError (the
    conversation's problems under "conversation", by field) and whatever contact_request_create raises."""
    now = now or timezone.now()
    errors = conversation_errors(conversation, now=now)
    if errors:
        raise ContactRequestError({"conversation": [f"{field}: {message}" for field, message in errors.items()]})
    with transaction.atomic():
        contact_request = contact_request_create(now=now, **request_fields)
        ContactRequestConversation.objects.create(
            contact_request=contact_request,
            bot_name=conversation.bot_name.strip(),
            summary=conversation.summary.strip(),
            transcript=[
                {"speaker": turn.speaker, "text": turn.text, "time": _utc_text(turn.time)}
                for turn in conversation.transcript
            ],
        )
    return contact_request


def _utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with a "Z", as the API writes every time."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
