"""Inbound SMS "STOP": the customer replies STOP to a marketing SMS and is opted out of marketing SMS."""

import unicodedata

from preferences.catalog import catalog_get
from preferences.changes import marketing_opt_outs, preferences_change
from preferences.contact_points import contact_point_value_clean
from preferences.domain import ChannelCode, ContactPointKind
from preferences.ledger import ChangeContext
from preferences.models import ContactPoint
from preferences.state import PreferenceError

# How people write STOP, compared after normalising (sms_words): case, accents, punctuation and
# symbols gone, so "Arrêt !", "ARRET." and "ＳＴＯＰ" are the same words. Strong keywords opt out even
# with a polite word or two around them ("STOP svp", "please unsubscribe me"); the weak ones are
# common English words that carriers honour only as the whole message (CTIA: CANCEL, END, QUIT).
STRONG_KEYWORDS = frozenset(
    {
        "stop", "stop sms", "stopsms", "stop all", "stopall", "stop pub", "arret", "arret sms", "arreter",
        "arretez", "unsubscribe", "unsub", "desabonner", "desabonnez", "desabonnement", "desinscrire",
        "desinscrivez", "desinscription", "optout", "opt out",
    }
)  # fmt: skip
WEAK_KEYWORDS = frozenset({"cancel", "end", "quit", "revoke"})
# Words that may surround a strong keyword without changing what it means. Anything else ("don't stop
# the emails", "can you stop by tomorrow") makes the message a sentence, not a STOP, and it is ignored.
COURTESY_WORDS = frozenset(
    {
        "svp", "stp", "s il vous plait", "s il te plait", "please", "pls", "plz", "merci", "merci beaucoup",
        "thanks", "thank you", "thx", "sms", "all", "tout", "tous", "me", "moi", "now", "maintenant", "ok",
        "oui", "yes", "bonne journee", "bonne soiree", "cordialement", "au revoir",
    }
)  # fmt: skip
MAX_COURTESY_WORDS = 3  # "STOP svp merci beaucoup" is still a STOP
_PHRASES = sorted(
    [(phrase.split(), "strong") for phrase in STRONG_KEYWORDS]
    + [(phrase.split(), "weak") for phrase in WEAK_KEYWORDS]
    + [(phrase.split(), "courtesy") for phrase in COURTESY_WORDS],
    key=lambda item: -len(item[0]),  # the longest phrase first: "stop sms" before "stop"
)


def sms_words(text: str) -> list[str]:
    """The words of a message, lower case, without accents, punctuation or symbols."""
    decomposed = unicodedata.normalize("NFKD", text or "").casefold()
    kept = []
    for character in decomposed:
        category = unicodedata.category(character)
        if category == "Mn":  # an accent, apart from its letter
            continue
        kept.append(character if category[0] in "LN" else " ")
    return "".join(kept).split()


def sms_is_stop(text: str) -> bool:
    """Whether an inbound SMS asks to stop: a keyword alone, or a strong keyword with a few courtesy
    words around it (MAX_COURTESY_WORDS), and nothing else."""
    words = sms_words(text[:200] if text else "")  # a STOP is short; a long text is a message
    kinds = []
    position = 0
    while position < len(words):
        for phrase, kind in _PHRASES:
            if words[position : position + len(phrase)] == phrase:
                kinds.append(kind)
                position += len(phrase)
                break
        else:
            return False  # a word that is neither a keyword nor a courtesy: a sentence
    courtesy = kinds.count("courtesy")
    if courtesy == 0:
        return bool(kinds)  # keywords only (any of them, repeated or not)
    return "strong" in kinds and courtesy <= MAX_COURTESY_WORDS


def sms_number_clean(number: str) -> str:
    """The E.164 form of a sender's number; raises PreferenceError when it is not a phone number."""
    return contact_point_value_clean(kind=ContactPointKind.PHONE, value=number)[0]


def sms_stop_apply(*, number: str, context: ChangeContext) -> int:
    """Opt the number out of every marketing topic on SMS, for every customer who verified it.

    One consent event per subscription that changes (actor `sms_stop`, source `sms_stop`). Returns the
    number of customers concerned. A repeated STOP changes nothing.
    """
    customer_ids = list(
        ContactPoint.objects.filter(
            kind=ContactPointKind.PHONE,
            value=number,
            verified_at__isnull=False,
            customer__erased_at__isnull=True,
        )
        .values_list("customer_id", flat=True)
        .distinct()
    )
    changes = marketing_opt_outs(catalog_get(), channel=ChannelCode.SMS)
    if not changes:
        return 0
    for customer_id in customer_ids:
        try:
            preferences_change(customer_id=customer_id, changes=changes, context=context)
        except PreferenceError:  # erased between the query and the change: nothing to opt out
            continue
    return len(customer_ids)
