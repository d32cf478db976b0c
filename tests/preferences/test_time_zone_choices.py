"""The time zone a customer chooses on /my/channels/: current names only, by country, in their language,
with today's offset; a stored name the list leaves out still shows as chosen and is kept on save; and
what the service (and so the API's customer.time_zone) accepts does not change."""

import re
import unicodedata
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from common import time_zones
from common.time_zones import time_zone_choices, utc_offset_text
from preferences.changes import preferences_change
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from preferences.models import ConsentEvent
from preferences.state import customer_value_clean

API = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="7")
WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)
LEFT_OUT = ["Asia/Calcutta", "US/Pacific", "Etc/GMT+1", "UTC", "Factory", "GMT", "Europe/Belfast"]


def values(groups) -> list[str]:
    return [value for _label, options in groups for value, _text in options]


def labels(groups) -> dict[str, str]:
    return {value: text for _label, options in groups for value, text in options}


def test_the_list_holds_the_current_names_of_each_country_only():
    offered = values(time_zone_choices(now=WINTER))
    assert len(offered) == len(set(offered))
    assert 300 < len(offered) < 500  # not the ~600 names zoneinfo knows
    assert set(offered) <= zoneinfo.available_timezones()
    assert not [name for name in offered if name.startswith(("Etc/", "US/", "SystemV/")) or "/" not in name]
    assert not set(LEFT_OUT + ["localtime", "posixrules"]) & set(offered)
    assert {"Europe/Paris", "Asia/Kolkata", "America/Los_Angeles", "America/Cayenne", "Indian/Reunion"} <= set(offered)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", {
            "groups": ["France", "Autres pays et territoires"],
            "Europe/Paris": "France métropolitaine (UTC+1)",
            "America/Cayenne": "Guyane française (UTC−3)",
            "America/Los_Angeles": "États-Unis — Los Angeles (UTC−8)",
            "Europe/Oslo": "Norvège (UTC+1)",
            "Asia/Kolkata": "Inde (UTC+5:30)",
        }),
        ("en", {
            "groups": ["France", "Other countries and territories"],
            "Europe/Paris": "Metropolitan France (UTC+1)",
            "America/Cayenne": "French Guiana (UTC−3)",
            "America/Los_Angeles": "United States — Los Angeles (UTC−8)",
            "Europe/Oslo": "Norway (UTC+1)",
            "Asia/Kolkata": "India (UTC+5:30)",
        }),
    ],
)
def test_each_zone_is_named_by_its_country_in_the_readers_language_with_todays_offset(language, expected):
    with translation.override(language):
        groups = time_zone_choices(now=WINTER)
        summer = labels(time_zone_choices(now=SUMMER))
    assert [label for label, _options in groups] == expected.pop("groups")
    assert groups[0][1][0][0] == "Europe/Paris"  # first of all
    shown = labels(groups)
    for zone, label in expected.items():
        assert shown[zone] == label
    assert summer["Europe/Paris"].endswith("(UTC+2)")
    # The other countries in alphabetical order of their names, accents aside ("États-Unis" with the E,
    # not after the Z).
    others = [text for _value, text in groups[1][1]]
    assert others == sorted(others, key=lambda text: unicodedata.normalize("NFKD", text).encode("ascii", "ignore").lower())
    if language == "fr":
        assert others.index(shown["America/Los_Angeles"]) < others.index("Finlande (UTC+2)")


@pytest.mark.parametrize(
    ("zone", "now", "text"),
    [
        ("Europe/Paris", WINTER, "UTC+1"),
        ("Europe/Paris", SUMMER, "UTC+2"),
        ("Pacific/Marquesas", WINTER, "UTC−9:30"),
        ("Asia/Kathmandu", WINTER, "UTC+5:45"),
        ("Africa/Abidjan", WINTER, "UTC+0"),
        ("Etc/GMT+1", WINTER, "UTC−1"),  # the POSIX sign, the other way round: shown as it is
    ],
)
def test_the_offset_is_short_enough_for_a_phone(zone, now, text):
    assert utc_offset_text(zone, now=now) == text


def test_a_stored_name_the_list_leaves_out_is_offered_first_as_the_current_setting():
    with translation.override("en"):
        groups = time_zone_choices(now=WINTER, keep=["Asia/Calcutta", "Europe/Paris", "Mars/Olympus", ""])
    assert groups[0] == ("Your current setting", [("Asia/Calcutta", "Asia/Calcutta (UTC+5:30)")])
    assert values(groups).count("Europe/Paris") == 1


def test_without_zone_tab_the_list_falls_back_on_region_and_city_names(monkeypatch):
    monkeypatch.setattr(time_zones, "_zone_tab", lambda: "")
    time_zones.zones_by_country.cache_clear()
    time_zones._places.cache_clear()
    try:
        with translation.override("en"):
            groups = time_zone_choices(now=WINTER)
    finally:
        time_zones.zones_by_country.cache_clear()
        time_zones._places.cache_clear()
    offered = values(groups)
    assert [label for label, _options in groups] == ["Time zones"]
    assert "Europe/Paris" in offered and not [name for name in offered if name.startswith(("Etc/", "US/")) or "/" not in name]
    assert labels(groups)["America/Cayenne"] == "Cayenne (America) (UTC−3)"


@pytest.mark.parametrize("name", LEFT_OUT)
def test_the_service_still_accepts_every_name_zoneinfo_knows(name):
    assert customer_value_clean("time_zone", name) == name


# --- On /my/channels/ -------------------------------------------------------------------------------


def time_zone_select(page: str) -> tuple[list[str], list[str]]:
    """The select's option values, and those selected."""
    select = re.search(r'<select name="time_zone"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>', select)
    return [value for value, _selected in options], [value for value, selected in options if selected]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label"), [("fr", "France métropolitaine (UTC+"), ("en", "Metropolitan France (UTC+")])
def test_the_channels_page_offers_the_list_with_paris_chosen_by_default(customer_client, language, label):
    page = customer_client.get(reverse("preferences:channels"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    offered, selected = time_zone_select(page)
    assert selected == ["Europe/Paris"] and offered[0] == "Europe/Paris"
    assert "Etc/GMT+1" not in offered and "Factory" not in offered and len(offered) < 500
    assert f'<option value="Europe/Paris" selected>{label}' in page
    assert re.search(r'<select name="time_zone"[^>]*aria-describedby="id_time_zone_helptext"', page)


SETTINGS_FORM = {"language": "fr", "quiet_hours_start": "", "quiet_hours_end": "", "weekly_marketing_cap": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ["Asia/Calcutta", "US/Pacific", "Etc/GMT+1", "UTC"])
def test_a_stored_zone_the_list_leaves_out_shows_as_chosen_and_is_kept_on_save(customer_client, customer_user, stored):
    _, customer = customer_user
    # An integrator set it through the API (customer.time_zone): still accepted there.
    preferences_change(customer_id=customer.pk, changes={"customer.time_zone": stored}, context=API)
    page = customer_client.get(reverse("preferences:channels"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    offered, selected = time_zone_select(page)
    assert selected == [stored] and offered[0] == stored
    assert 'label="Your current setting"' in page
    # Saving something else sends the zone back as it was shown: kept, and no change recorded for it.
    before = ConsentEvent.objects.filter(customer=customer, key="customer.time_zone").count()
    response = customer_client.post(reverse("preferences:settings_update"), {**SETTINGS_FORM, "time_zone": stored, "large_print": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.time_zone, customer.large_print) == (stored, True)
    assert ConsentEvent.objects.filter(customer=customer, key="customer.time_zone").count() == before


@pytest.mark.django_db
def test_the_form_accepts_what_the_service_accepts_and_refuses_the_rest(customer_client, customer_user):
    """A page opened before the stored zone changed still saves the zone it showed (any name zoneinfo
    knows, as the service says); a name nobody knows is refused, and the page shows it was not saved."""
    _, customer = customer_user
    response = customer_client.post(reverse("preferences:settings_update"), {**SETTINGS_FORM, "time_zone": "US/Pacific"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.time_zone == "US/Pacific"
    response = customer_client.post(
        reverse("preferences:settings_update"), {**SETTINGS_FORM, "time_zone": "Europe/Atlantis"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    customer.refresh_from_db()
    assert customer.time_zone == "US/Pacific"
    # Back to a listed zone: the alias is no longer offered.
    customer_client.post(reverse("preferences:settings_update"), {**SETTINGS_FORM, "time_zone": "America/Los_Angeles"})
    offered, selected = time_zone_select(customer_client.get(reverse("preferences:channels")).content.decode())
    assert selected == ["America/Los_Angeles"] and "US/Pacific" not in offered


@pytest.mark.parametrize(
    ("language", "zone", "name"),
    [
        ("fr", "Indian/Reunion", "La Réunion"),
        ("fr", "Europe/Moscow", "Russie — Moscow"),
        ("fr", "America/St_Thomas", "Îles Vierges des États-Unis"),
        ("en", "America/Tortola", "British Virgin Islands"),
        ("en", "Africa/Kinshasa", "Democratic Republic of the Congo — Kinshasa"),
    ],
)
def test_countries_are_named_as_people_write_them_not_as_a_sorted_list(language, zone, name):
    # ISO 3166 writes "Réunion, Île de la" and "Virgin Islands, British".
    with translation.override(language):
        assert time_zones.time_zone_name(zone) == name
        assert all(", " not in text or " et " in text or " and " in text for text in _labels(language))


def _labels(language: str) -> list[str]:
    return [text for _group, options in time_zone_choices(now=WINTER) for _value, text in options]


def test_the_customer_s_history_names_the_zone_staff_see_its_identifier(db):
    from preferences.catalog import catalog_get
    from preferences.history import value_text

    with translation.override("fr"):
        assert value_text("customer.time_zone", "America/Cayenne", catalog_get()) == "Guyane française"
        assert value_text("customer.time_zone", "America/Cayenne", catalog_get(), for_staff=True) == "America/Cayenne"
        assert value_text("customer.time_zone", "Asia/Calcutta", catalog_get()) == "Asia/Calcutta"
