"""Which inbound SMS texts are a STOP: the keywords as people type them (case, accents, punctuation, a
polite word or two), and the sentences that merely contain one, which must never opt anyone out."""

import pytest

from links.sms_stop import sms_is_stop, sms_words

STOPS = [
    # The keywords alone, in any case, with or without accents and punctuation.
    "STOP",
    "stop",
    "Stop",
    "  stop ",
    "Stop.",
    "STOP!",
    "Stop !",
    "STOP!!!",
    "stop?",
    "«STOP»",
    '"stop"',
    "*STOP*",
    "🛑 STOP",
    "STOP 🙏",
    "ＳＴＯＰ",  # full-width letters, as some phones send them
    "STOP\n",
    "STOP SMS",
    "stopsms",
    "STOP-SMS",
    "STOPALL",
    "stop all",
    "STOP PUB",
    "ARRET",
    "ARRÊT",
    "arrêt",
    "Arrêt.",
    "ARRET SMS",
    "Arrêter",
    "ARRETEZ",
    "Arrêtez !",
    "UNSUBSCRIBE",
    "Unsubscribe.",
    "unsub",
    "DESABONNER",
    "Désabonner",
    "DÉSABONNEMENT",
    "désabonnez-moi",
    "Désinscrire",
    "désinscription",
    "OPTOUT",
    "opt-out",
    "Opt out",
    "CANCEL",
    "End",
    "QUIT",
    "revoke",
    "stop stop",
    "STOP STOP STOP",
    # A strong keyword with a word or two of courtesy around it.
    "STOP svp",
    "Stop SVP.",
    "stop stp",
    "stop please",
    "Stop, please!",
    "please stop",
    "Please unsubscribe",
    "unsubscribe me",
    "unsubscribe me please",
    "arret merci",
    "Arrêt, merci.",
    "merci stop",
    "STOP merci beaucoup",
    "Stop s'il vous plaît",
    "stop s il te plait",
    "STOP SMS svp",
    "stop now",
    "stop thanks",
    "Stop, thank you.",
    "stop all please",
    "ok stop",
    "STOP tout",
    "désabonnez-moi svp",
    "Stop maintenant merci",
    "STOP svp merci beaucoup",
    "Stop SMS, merci",
    "STOP, bonne journée",
    "Arrêt svp cordialement",
]

NOT_STOPS = [
    "",
    "   ",
    "...",
    "🛑",
    "Bonjour",
    "Merci",
    "ok",
    "yes",
    "please",
    "svp merci",
    "STOPPER",
    "stopped",
    "nonstop",
    "Non stop",
    "Don't stop the emails",
    "don't stop",
    "do not stop",
    "Please don't stop",
    "Can you stop by tomorrow?",
    "stop by tomorrow",
    "I will stop by the shop",
    "When does the sale stop?",
    "Bus stop at 5pm",
    "stop the emails but keep SMS",
    "Ne pas arrêter",
    "pas stop",
    "Je ne veux pas que ça s'arrête",
    "Arrêt de bus",
    "À quelle heure est l'arrêt ?",
    "Cancel my order",
    "cancel please",
    "I want to cancel my appointment",
    "the end",
    "End of the month?",
    "quit it",
    "stop please please please please",  # more courtesy than a reply holds: a message, read by a person
    "unsubscribe from the newsletter only",
    "STOP 36180",
    "S T O P",
    "stop" * 60,
]


@pytest.mark.parametrize("text", STOPS)
def test_a_stop_as_people_type_it_is_a_stop(text):
    assert sms_is_stop(text), text


@pytest.mark.parametrize("text", NOT_STOPS)
def test_a_sentence_that_merely_holds_a_keyword_is_not_a_stop(text):
    assert not sms_is_stop(text), text


def test_words_lose_case_accents_punctuation_and_symbols():
    assert sms_words("Désabonnez-MOI, s'il vous plaît !") == ["desabonnez", "moi", "s", "il", "vous", "plait"]
    assert sms_words("ＳＴＯＰ🛑") == ["stop"]
    assert sms_words("") == [] and sms_words(None) == []


def test_a_long_message_is_read_no_further_than_its_start():
    assert not sms_is_stop("STOP " + "x" * 2000)
    assert not sms_is_stop(" " * 300 + "STOP")  # only the first 200 characters count
