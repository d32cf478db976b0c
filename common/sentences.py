"""A label as it reads inside a sentence: "sans e-mail", "without email", "par SMS", "par WhatsApp".

Channel and topic names are written as labels, with a capital ("E-mail", "Lettre d’information"), for
table headers, checkboxes and headings. In running text they lose it, in French and in English, unless
their first word is an acronym (SMS, RCS) or a proper name (WhatsApp, Messenger). Every sentence that
names a channel or a topic goes through in_sentence() (templates: the `in_sentence` filter), so the
rule lives here only. A name quoted in a sentence (“Offres et promotions”) is cited as written.

On a page, such a name never breaks at its hyphen: a phone's narrow line must not end on "e-" and start
the next with "mail" (nor does any "e-mail" or "ci-dessous" of a sentence: a stub of one or two letters
at a line's end). unbroken() keeps such words on one line with a nowrap span (class
"nowrap", static/css/site.css) around the plain word, so a screen reader, the browser's search and a
copy still meet "e-mail" (a no-break hyphen, U+2011, would not match a search for "e-mail", would paste
as itself, and would turn an SMS into two-byte characters). Text that is not HTML (emails, SMS, CSV)
keeps plain hyphens: the template filters wrap only where they escape.
"""

import re

from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe

# Proper names that start with a single capital, so not told apart from a common noun by their spelling:
# brands a supervisor may name a channel after. Names with a capital inside (WhatsApp, iMessage) or
# written in capitals (SMS, RCS) need no entry.
PROPER_NAMES = ("Android", "Apple", "Facebook", "Google", "Instagram", "La Poste", "Messenger", "Signal", "Telegram", "Viber")

_FIRST_WORD = re.compile(r"\w[\w’'-]*")
_PROPER_NAME = re.compile("(?:" + "|".join(re.escape(name) for name in PROPER_NAMES) + r")\b")


def in_sentence(label: str) -> str:
    """`label` with its first letter in lower case, unless its first word is an acronym or a proper name."""
    text = str(label)
    match = _FIRST_WORD.search(text)
    if match is None or match.start() != 0:
        return text
    word = match.group()
    if any(letter.isupper() for letter in word[1:]):  # SMS, WhatsApp, RCS
        return text
    if _PROPER_NAME.match(text):
        return text
    return text[0].lower() + text[1:]


# A word with a hyphen inside ("e-mail", "après-vente"), and one whose first part is a stub of one or two
# letters ("e-mail", "ci-dessous", in "l’e-mail" too): a line ending on "e-" or "ci-" reads as a typo,
# where "reconnectez-/vous" is ordinary French typesetting.
_HYPHENATED_WORD = re.compile(r"([^\s-]+(?:-[^\s-]+)+)")
_STUB_WORD = re.compile(r"(?<![\w-])(\w{1,2}(?:-[^\s-]+)+)")
_KEPT_WHOLE = r'<span class="nowrap">\1</span>'
_TAG = re.compile(r"(<[^>]*>)")


def unbroken(text: str, *, every_word: bool = False) -> SafeString:
    """`text` for an HTML page, with its words that start with a stub ("e-mail", never "e-" / "mail"), or with
    `every_word` all its hyphenated words (a channel's or topic's name), kept on one line. Plain text is
    escaped first; text already marked safe (a translation written in a template, a form's own HTML) is
    HTML, whose words are wrapped only between its tags."""
    words = _HYPHENATED_WORD if every_word else _STUB_WORD
    if isinstance(text, SafeData):
        parts = _TAG.split(str(text))  # text, tag, text, tag, …, text
        html = "".join(part if index % 2 else words.sub(_KEPT_WHOLE, part) for index, part in enumerate(parts))
        return mark_safe(html)  # noqa: S308  # nosec B308 B703 - safe input, only a constant span added
    pieces = words.split(str(text))  # text, word, text, word, …, text
    kept = format_html_join("", '{}<span class="nowrap">{}</span>', zip(pieces[0::2], pieces[1::2], strict=False))
    return kept + conditional_escape(pieces[-1])
