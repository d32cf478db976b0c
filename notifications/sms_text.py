"""SMS text as a phone network carries it: GSM-7 when the message can be, and how many parts it costs.

The French catalogue is typeset for screens (’, no-break spaces, « »), and French words carry accents
GSM-7 lacks (ê, â, ô...). One such character switches the whole SMS to UCS-2: 70 characters a part
instead of 160, so a two-part link becomes three parts, each billed. The message is rewritten in GSM-7
when every character has a plain equivalent (what French SMS do: "Enquetes"); otherwise (a name in
another script, an emoji) it is kept as written, since UCS-2 is needed anyway."""

import re
from dataclasses import dataclass

# 3GPP TS 23.038: the basic character set (one septet each) and its extension table (two septets).
# 0x09 is written Ç in the standard, but every network and handset shows it as ç.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòç\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

PLAIN = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "…": "...",
        "–": "-",
        "—": "-",
        "‑": "-",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
        "ÿ": "y",
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "œ": "oe",
        "Œ": "OE",
        "À": "A",
        "Â": "A",
        "Ç": "C",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Ù": "U",
        "Û": "U",
    }
)


@dataclass(frozen=True)
class SmsParts:
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_text_plain(text: str) -> str:
    """The text in GSM-7 if it can be written so, else unchanged."""
    # « quoted » becomes "quoted": the spaces inside French guillemets go with them.
    plain = re.sub(r"«[\u00a0\u202f ]?", "«", re.sub(r"[\u00a0\u202f ]?»", "»", text)).translate(PLAIN)
    return plain if is_gsm7(plain) else text


def sms_parts(text: str) -> SmsParts:
    """How the network sends `text`: its encoding and the number of parts (concatenated SMS carry a
    header: 153 septets or 67 UCS-2 characters a part)."""
    if is_gsm7(text):
        septets = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        return SmsParts("GSM-7", 1 if septets <= 160 else -(-septets // 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsParts("UCS-2", 1 if units <= 70 else -(-units // 67))
