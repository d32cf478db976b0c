"""The time zones offered to a person choosing theirs: the tz database's own list for that purpose
(zone.tab: the zones of each country, by their current names: no Etc/, no Factory or localtime, no
renamed ones such as Asia/Calcutta or US/Pacific), each named by its country in the reader's language,
with today's offset from UTC. France (with its overseas departments and territories) comes first.

Only what is offered changes: which names are valid stays the rule of whoever stores them (every name
this Python knows, zoneinfo.available_timezones()), and a stored name left out of this list is offered
too, so that it shows as chosen and is kept when the form is saved."""

import functools
import gettext
import unicodedata
import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Metropolitan France first, then the overseas departments, collectivities and territories.
FRANCE_CODES = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF")
FRANCE_ZONE = "Europe/Paris"
# Without zone.tab, the Region/City names under these regions (legacy names may then slip in).
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def _zone_tab() -> str:
    """zone.tab from where zoneinfo reads its zones (the system's tz database, else the tzdata package)."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@functools.cache
def known_zones() -> frozenset[str]:
    """Every name zoneinfo knows, read once: listing them walks the tz database's folders (about 20 ms)."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def zones_by_country() -> tuple[tuple[str, str], ...]:
    """(zone, ISO country code) for each zone offered, in zone.tab's order; the country is "" when
    zone.tab cannot be found and the names come from the Region/City names zoneinfo knows."""
    available = known_zones()
    rows = []
    for line in _zone_tab().splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        if fields[2] in available:
            rows.append((fields[2], fields[0]))
    if not rows:
        rows = [(name, "") for name in sorted(available) if name.split("/")[0] in REGIONS and "/" in name]
    return tuple(rows)


@functools.cache
def _country_names(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


# ISO 3166's names written as a list sorts them ("Réunion, Île de la"): as people write them instead.
SPOKEN_COUNTRY_NAMES = {
    "fr": {
        "AX": "Îles Åland", "CC": "Îles Cocos (Keeling)", "CX": "Île Christmas", "FK": "Îles Malouines (Falkland)",
        "FM": "Micronésie", "PS": "Palestine", "RE": "La Réunion", "RU": "Russie", "SB": "Îles Salomon",
        "VI": "Îles Vierges des États-Unis",
    },
    "en": {
        "CD": "Democratic Republic of the Congo", "FM": "Micronesia", "PS": "Palestine",
        "VG": "British Virgin Islands", "VI": "U.S. Virgin Islands",
    },
}


def _country_name(code: str, language: str) -> str:
    spoken = SPOKEN_COUNTRY_NAMES.get(language, {}).get(code)
    if spoken:
        return spoken
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return _country_names(language).gettext(getattr(country, "common_name", None) or country.name)


def _city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _place(zone: str, code: str, zones_in_country: int, language: str) -> str:
    """Where a zone is, in words: "France métropolitaine", "Norvège", "États-Unis — New York"."""
    if zone == FRANCE_ZONE:
        return _("Metropolitan France")
    if not code:
        region = zone.split("/")[0]
        return f"{_city(zone)} ({region})"
    country = _country_name(code, language)
    return country if zones_in_country == 1 else f"{country} — {_city(zone)}"


@functools.cache
def _zone_info(zone: str) -> zoneinfo.ZoneInfo:
    # zoneinfo keeps only the last few zones it loaded: the whole list would be read from disk each time.
    return zoneinfo.ZoneInfo(zone)


def utc_offset_text(zone: str, *, now: datetime) -> str:
    """The zone's offset from UTC at `now`, short enough for a phone's select: "UTC+1", "UTC−3",
    "UTC+5:30" (a real minus sign)."""
    offset = now.astimezone(_zone_info(zone)).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes >= 0 else '−'}{hours}" + (f":{rest:02d}" if rest else "")


@functools.cache
def _places(language: str) -> dict[str, tuple[str, str]]:
    """Each zone offered: where it is in words, in `language`, and its country."""
    rows = zones_by_country()
    counts: dict[str, int] = {}
    for _zone, code in rows:
        counts[code] = counts.get(code, 0) + 1
    return {zone: (_place(zone, code, counts[code], language), code) for zone, code in rows}


def _language() -> str:
    return (get_language() or "fr")[:2]


def time_zone_name(zone: str) -> str:
    """A zone in the words of the list ("Guyane française"), or its own name when it is not listed."""
    place = _places(_language()).get(zone)
    return place[0] if place else zone.replace("_", " ")


def _sort_key(label: str) -> str:
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


def time_zone_choices(*, now: datetime, keep: Iterable[str] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """The zones to offer, grouped for a select: the names in `keep` that the list leaves out but
    zoneinfo knows (a stored alias such as "Asia/Calcutta"), then France, then the other countries and
    territories in alphabetical order; each labelled with today's offset from UTC."""
    places = _places(_language())
    available = known_zones()

    def option(zone: str, place: str) -> tuple[str, str]:
        return zone, f"{place} ({utc_offset_text(zone, now=now)})"

    kept = [option(zone, zone.replace("_", " ")) for zone in dict.fromkeys(keep) if zone in available and zone not in places]
    france = sorted(
        (option(zone, place) for zone, (place, code) in places.items() if code in FRANCE_CODES),
        key=lambda choice: (choice[0] != FRANCE_ZONE, _sort_key(choice[1])),
    )
    others = sorted(
        (option(zone, place) for zone, (place, code) in places.items() if code not in FRANCE_CODES),
        key=lambda choice: _sort_key(choice[1]),
    )
    groups = [(_("Your current setting"), kept)] if kept else []
    if france:
        groups.append((_("France"), france))
    groups.append((_("Other countries and territories") if france else _("Time zones"), others))
    return groups
