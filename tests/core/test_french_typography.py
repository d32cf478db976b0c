"""French text follows French typography: a typographic apostrophe (’), and a no-break space before
":" ";" "?" "!" and inside « guillemets »."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from preferences import catalog_defaults

# An apostrophe between letters (l'adresse, aujourd'hui) or eliding a placeholder (d'%(name)s, l'{{ x }}).
STRAIGHT_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_]|%\(|\{)")
# An ordinary space where French wants a no-break one; "::1" is an address, not punctuation.
ORDINARY_SPACE = re.compile(r" (?:[;?!»]|:(?!:))|« ")
# No space at all before ? ! ; (a colon glued to a word is a URL, a time or a header name: left alone).
NO_SPACE = re.compile(r"[^\s\u00a0\u202f][?!;]")
# Titles quoted in their own language keep their own punctuation.
QUOTED_TITLES = ("How Bad Are Bananas?",)


def _french_catalogue() -> dict[str, str]:
    path = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog
    return {str(msgid): text for msgid, text in catalogue.items() if msgid != ""}  # "" is the header


def _mistakes(text: str) -> list[str]:
    for title in QUOTED_TITLES:
        text = text.replace(title, "")
    return [match.group() for pattern in (STRAIGHT_APOSTROPHE, ORDINARY_SPACE, NO_SPACE) for match in pattern.finditer(text)]


@pytest.mark.parametrize(
    ("text", "mistakes"),
    [
        ("Rien n'a été modifié", ["'"]),
        ("d'%(name)s", ["'"]),
        ("Pas demandé ? Ignorez ce message : rien ne change ; « oui »", [" ?", " :", " ;", "« ", " »"]),
        ("Pas demandé?", ["é?"]),
        ("Rien n’a été modifié\u00a0: «\u00a0oui\u00a0»\u00a0? Saisissez 21:30, https://x.fr ou ::1.", []),
        ("Mike Berners-Lee, How Bad Are Bananas? (édition 2020)\u00a0: environ 4 g", []),
    ],
)
def test_the_rules_catch_what_they_should(text, mistakes):
    assert _mistakes(text) == mistakes


def test_every_french_translation_is_typeset_the_french_way():
    catalogue = _french_catalogue()
    assert len(catalogue) > 500  # the compiled catalogue was found and read
    wrong = {msgid: found for msgid, text in catalogue.items() if (found := _mistakes(text))}
    assert wrong == {}


def test_the_default_french_catalogue_data_uses_the_typographic_apostrophe():
    texts = [
        *(channel["name_fr"] for channel in catalog_defaults.CHANNELS),
        *(value for topic in catalog_defaults.TOPICS for key, value in topic.items() if key.endswith("_fr")),
        *(value for example in catalog_defaults.TOPIC_EXAMPLES.values() for key, value in example.items()
          if key.endswith("_fr")),
        *(notice["body_fr"] for notice in catalog_defaults.NOTICES),
    ]
    wrong = [text for text in texts if STRAIGHT_APOSTROPHE.search(text)]
    assert wrong == []
