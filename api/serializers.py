"""The API's serializer base (StrictSerializer, limits, problem details) and the customer
endpoints' serializers. Input validation (every 400 is raised in a serializer) and the shapes of
answers, for the schema too; each other endpoint keeps its own beside its view (api.plans, ...)."""

import re
import threading
from datetime import timedelta

import pycountry
from django.core.validators import RegexValidator
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.settings import api_settings

from api.fields import ExternalIdField, StrictBooleanField, StrictCharField
from api.problems import UnknownFields
from preferences.catalog import catalog_get
from preferences.contact_points import APP_INSTALLATION_PATTERN, StatedPoint, contact_point_value_clean, messaging_value
from preferences.domain import (
    ContactPointKind,
    MessagingService,
    PhoneType,
)
from preferences.state import PreferenceError

MAX_BATCH = 1000
MAX_ID = 2**63 - 1  # the largest id the database can hold: beyond it, an id names nothing
# How far from now a contact plan may be asked about: beyond, calendars and caps mean little.
PLAN_HORIZON = timedelta(days=366)


def topic_code_validate(value: str) -> str:
    if value not in catalog_get().topics_by_code:
        raise serializers.ValidationError(_("Unknown topic."))
    return value


class StrictSerializer(serializers.Serializer):
    # Every input serializer of the API (bodies, batch items, query strings) subclasses this one: a
    # field it does not declare is refused by name (400), never ignored, since a typo ("ai_generatd")
    # must not turn a refusal into a permission. Nested serializers check their own items. The schema
    # says `additionalProperties: false` (api.schema.StrictSerializerExtension). No docstring here:
    # drf-spectacular would give it to every subclass as its description.

    # Groups of fields of which exactly one must be given (checked in validate(); the schema says oneOf).
    exactly_one_of: tuple[str, ...] = ()

    @classmethod
    def validated(cls, data) -> dict:
        """`data` validated, or the ValidationError is_valid(raise_exception=True) raises (the same detail).
        One instance per class and thread validates every request: DRF deep-copies each declared field
        for every new instance (a sixth of a contact plan). For serializers without context or state."""
        instance = _validating.__dict__.get(cls) or _validating.__dict__.setdefault(cls, cls())
        try:
            return instance.run_validation(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, list) and len(detail) == 1 and getattr(detail[0], "code", None) == "null":
                detail = {NON_FIELD_ERRORS: [ErrorDetail("No data provided", code="null")]}  # as Serializer.errors
            raise serializers.ValidationError(detail) from None

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = [name for name in data if name not in known]
            if unknown:
                raise UnknownFields(unknown)
        return super().to_internal_value(data)


_validating = threading.local()  # StrictSerializer.validated: this thread's instance of each class
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY


def customer_named_once(attrs: dict) -> dict:
    """An item names its customer by `customer_id` or by `external_id` (the client's own id), exactly one:
    both, or neither, is refused under both names (the schema says oneOf)."""
    given = [name for name in CUSTOMER_KEYS if name in attrs]
    if len(given) != 1:
        message = (
            _("Give customer_id or external_id, not both: each names the customer.")
            if given
            else _("Name the customer: give customer_id (ours) or external_id (yours).")
        )
        raise serializers.ValidationError(dict.fromkeys(CUSTOMER_KEYS, [message]))
    return attrs


CUSTOMER_KEYS = ("customer_id", "external_id")  # for StrictSerializer.exactly_one_of and customer_named_once


class NoBodySerializer(StrictSerializer):
    """An operation that takes no field (a replay, a removal): any field sent is refused by name."""


# --- Customers ------------------------------------------------------------------------------------


class TopicCodeField(StrictCharField):
    """A configured topic's code (of the given kinds, or any): the schema lists them (enum), as
    configured when it is served (api.schema.TopicCodeFieldExtension)."""

    schema_enum = True  # the schema lists the codes (api.schema.StrictCharFieldExtension)

    def __init__(self, *, kinds: tuple[str, ...] = (), **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.kinds = kinds

    def choices_now(self) -> list[str]:
        topics = catalog_get().topics_by_code.values()
        return [topic.code for topic in topics if not self.kinds or topic.kind in self.kinds]

    def to_internal_value(self, data):
        value = topic_code_validate(super().to_internal_value(data))
        if self.kinds and catalog_get().topics_by_code[value].kind not in self.kinds:
            raise serializers.ValidationError(_("This operation does not take topics of this kind."))
        return value


class TopicCodeItemField(TopicCodeField):
    """A topic code in a list (a webhook endpoint's topics): checked against the catalogue like any, but
    the schema gives its form only. drf-spectacular names an enum after its property, so the same codes
    under `topics` and under `topic` would be one choice set with two names (a schema warning); the
    codes are listed by GET /api/v1/topics."""

    schema_enum = False
    regex_pattern = r"^[-a-zA-Z0-9_]+$"  # a topic's code is a slug


# Phone numbers the API takes: French numbers in national (06…) or E.164 form, and E.164 numbers of
# the neighbouring countries below, as the phonenumbers metadata describes their valid numbers; the
# schema carries the same pattern, so that no number it allows is refused. Spaces, dots and dashes
# between digits are ignored.
# Only countries whose number patterns fix the length (Germany's, say, do not: a pattern-matching
# number can still have a length phonenumbers refuses). tests/api/test_strict_schema.py checks it.
PHONE_REGIONS = ("FR", "BE", "CH", "LU", "MC", "ES", "GB")
_PHONE_SEPARATORS = str.maketrans("", "", " .-")


def _national_pattern(region: str) -> str:
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    kinds = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip", "uan")
    descriptors = [getattr(metadata, kind) for kind in kinds]
    return "|".join(f"(?:{d.national_number_pattern})" for d in descriptors if d and d.national_number_pattern)


def _phone_pattern() -> str:
    import phonenumbers

    international = "|".join(
        f"{phonenumbers.PhoneMetadata.metadata_for_region(region).country_code}(?:{_national_pattern(region)})"
        for region in PHONE_REGIONS
    )
    return rf"^(?:0(?:{_national_pattern('FR')})|\+(?:{international}))$"


PHONE_PATTERN = _phone_pattern()


class PhoneField(StrictCharField):
    """A phone number matching PHONE_PATTERN (separators ignored); blank allowed where the field allows it."""

    regex_pattern = PHONE_PATTERN  # for the schema too

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(PHONE_PATTERN, message=_("Enter a valid phone number, such as 06 12 34 56 78.")))

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return value.translate(_PHONE_SEPARATORS)


# Postcodes by country, as La Poste and the neighbouring posts print them; other countries: 2 to 10
# letters, digits, spaces or hyphens.
POSTCODE_PATTERNS = {
    "FR": r"^\d{5}$",
    "BE": r"^\d{4}$",
    "CH": r"^\d{4}$",
    "LU": r"^(L-)?\d{4}$",
    "DE": r"^\d{5}$",
    "ES": r"^\d{5}$",
    "IT": r"^\d{5}$",
    "GB": r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$",
}
OTHER_POSTCODE = r"^[A-Z0-9][A-Z0-9 -]{0,8}[A-Z0-9]$"


class PostalAddressSerializer(StrictSerializer):
    lines = serializers.ListField(
        child=StrictCharField(max_length=100), min_length=1, max_length=3, help_text="Name, street, building…"
    )
    postcode = StrictCharField(max_length=10)
    city = StrictCharField(max_length=100)
    country = StrictCharField(
        min_length=2, max_length=2, required=False, default="FR",
        help_text="A country's ISO 3166-1 alpha-2 code (an assigned one), FR by default.",
    )

    def validate(self, data):
        country = data["country"].upper()
        if not re.match(r"^[A-Z]{2}$", country):
            raise serializers.ValidationError({"country": [_("Give the country as its two-letter code, e.g. FR.")]})
        if pycountry.countries.get(alpha_2=country) is None:  # "ZZ" would be printed as the address's last line
            raise serializers.ValidationError({"country": [_("%(code)s is no country's code (ISO 3166-1).") % {"code": country}]})
        postcode = data["postcode"].upper()
        if not re.match(POSTCODE_PATTERNS.get(country, OTHER_POSTCODE), postcode):
            raise serializers.ValidationError(
                {"postcode": [_("This postcode is not valid for %(country)s.") % {"country": country}]}
            )
        return {**data, "country": country, "postcode": postcode}


def postal_value(address: dict) -> str:
    """The address as the contact point stores it: the lines, then "postcode city", then the country
    when it is not France."""
    lines = [*address["lines"], f"{address['postcode']} {address['city'].upper()}"]
    if address["country"] != "FR":
        lines.append(address["country"])
    return "\n".join(lines)


def _point_errors(kind: str, value: str) -> dict:
    """A contact point's errors by field ({} when it is valid), by the service's own rule."""
    try:
        contact_point_value_clean(kind=kind, value=value)
    except PreferenceError as error:
        return error.message_dict
    return {}


MAX_UPSERT_POINTS = 10  # messaging accounts or app installations given in one upsert


class MessagingHandleSerializer(StrictSerializer):
    service = serializers.ChoiceField(choices=MessagingService.choices)
    value = StrictCharField(
        max_length=200, help_text="A mobile number for WhatsApp, RCS and Viber; a user name on the others."
    )
    verified = StrictBooleanField(required=False, default=False, help_text="Your system verified it.")


class AppInstallationIdField(StrictCharField):
    """An app installation id (a push token, a UUID): letters, digits and `._:-`, up to 200."""

    regex_pattern = APP_INSTALLATION_PATTERN  # for the schema too

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(APP_INSTALLATION_PATTERN, message=_("Enter the app installation identifier.")))


class AppInstallationSerializer(StrictSerializer):
    value = AppInstallationIdField(help_text="The app installation id: letters, digits and `._:-`.")
    verified = StrictBooleanField(required=False, default=False, help_text="Your system verified it.")


class CustomerUpsertSerializer(StrictSerializer):
    external_id = ExternalIdField(help_text="The customer's id in your system.")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    email_verified = StrictBooleanField(required=False, default=False)
    phone = PhoneField(
        required=False, allow_blank=True, default="",
        help_text="French (06…, +33…) or E.164 of " + ", ".join(PHONE_REGIONS[1:]) + "; spaces, dots and dashes ignored.",
    )
    phone_verified = StrictBooleanField(required=False, default=False)
    phone_type = serializers.ChoiceField(
        choices=PhoneType.choices,
        required=False,
        help_text="What the phone is, over what its number says (a landline never gets SMS). Needs `phone`.",
    )
    postal_address = PostalAddressSerializer(
        required=False, help_text="Structured and validated as on POST …/contact-points (kind `postal`)."
    )
    postal_address_verified = StrictBooleanField(required=False, default=False, help_text="Needs `postal_address`.")
    messaging = MessagingHandleSerializer(
        many=True, required=False, max_length=MAX_UPSERT_POINTS, help_text="Messaging accounts, each on its service."
    )
    app_installations = AppInstallationSerializer(many=True, required=False, max_length=MAX_UPSERT_POINTS)
    first_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    last_name = StrictCharField(required=False, allow_blank=True, max_length=150)
    language = serializers.ChoiceField(choices=["fr", "en"], required=False)

    def validate(self, data):
        # The service takes contact points as they are stored: a postal address as its text, a
        # messaging account as `<service>:<handle>` (as POST …/contact-points stores them).
        if data.get("postal_address_verified") and "postal_address" not in data:
            raise serializers.ValidationError({"postal_address_verified": [_("Give the postal_address it verifies.")]})
        if "postal_address" in data:
            data["postal_address"] = postal_value(data["postal_address"])
        data["messaging"] = [
            StatedPoint(messaging_value(service=item["service"], handle=item["value"]), item["verified"])
            for item in data.get("messaging", [])
        ]
        # The service would refuse a bad account too, but under `messaging` alone: here each error is
        # at its item's place, as a malformed item's is.
        item_errors = [_point_errors(ContactPointKind.MESSAGING, point.value) for point in data["messaging"]]
        if any(item_errors):
            raise serializers.ValidationError({"messaging": item_errors})
        data["app_installations"] = [StatedPoint(item["value"], item["verified"]) for item in data.get("app_installations", [])]
        return data




class DistinctListField(serializers.ListField):
    """A list in which each item appears once (`uniqueItems` in the schema, api.schema): a repeated item is
    refused, naming it, rather than merged without a word (the client's list would not be the one kept).
    For items that are plain values (choices, codes)."""

    def to_internal_value(self, data):
        items = super().to_internal_value(data)
        seen: set = set()
        repeated = list(dict.fromkeys(item for item in items if item in seen or seen.add(item)))
        if repeated:
            message = _("“%(value)s” is given more than once: give each value once.")
            raise serializers.ValidationError(
                [message % {"value": Truncator(str(item)).chars(80)} for item in repeated], code="repeated"
            )
        return items


class BoundedDictField(serializers.DictField):
    """An object of at most `max_keys` keys (`maxProperties` in the schema, api.schema): beyond, one
    short error, instead of one per key computed and sent back."""

    def __init__(self, *, max_keys: int, **kwargs):
        self.max_keys = max_keys
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > self.max_keys:
            raise serializers.ValidationError(
                _("Send at most %(max)d keys in one change.") % {"max": self.max_keys}, code="max_keys"
            )
        return super().to_internal_value(data)


# Every setting of a customer is far fewer (a catalogue of 20 topics on 6 channels is about 200 keys).
MAX_CHANGE_KEYS = 500


class PreferencesChangeSerializer(StrictSerializer):
    changes = BoundedDictField(
        max_keys=MAX_CHANGE_KEYS,
        child=serializers.JSONField(allow_null=True),
        allow_empty=False,
        help_text=(
            "Flat state keys and their new values: `customer.<field>` (see `settings`), "
            "`topic.<topic>.<delivery_mode|paper_copy|ai_level>` (null returns to the default) and "
            "`subscription.<topic>.<channel>` (`in` or `out`). All or nothing."
        ),
    )
