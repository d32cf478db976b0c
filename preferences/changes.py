"""The preference change: one entry point, preferences_change, that checks a change against the
rules of the whole document, applies it, and appends its consent events, all or nothing."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from common.pg_rows import writes_batched
from preferences.catalog import Catalog
from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_document_lock
from preferences.domain import (
    CHANNEL_CONTACT_POINT,
    MOBILE_ONLY_CHANNELS,
    ChannelCode,
    ContactPointKind,
    SubscriptionStatus,
    TopicKind,
)
from preferences.keys import CUSTOMER, SUBSCRIPTION, TOPIC, SettingKey
from preferences.ledger import (
    ChangeContext,
    CustomerErased,
    StaleVersion,
    change_abandon,
    change_begin,
    changed_notify,
    customer_bump,
    events_append,
    staff_reason_require,
)
from preferences.models import ConsentEvent, Subscription
from preferences.optin import OptinConfirmation, double_optin_hold, double_optin_request
from preferences.state import (
    CUSTOMER_FIELDS,
    TOPIC_FIELDS,
    PreferenceError,
    customer_value_clean,
    customer_value_from_state,
    time_to_state,
    topic_value_clean,
)


@dataclass(frozen=True)
class PreferencesChanged:
    """The answer of preferences_change: the document as it now stands (what the API sends back, so
    that nobody reads it again), the consent events the change wrote (none when it changed nothing),
    and the confirmations of the subscriptions it left pending (empty when it left none)."""

    document: PreferenceDocument
    events: list[ConsentEvent]
    confirmations: list[OptinConfirmation]


def preferences_change(
    *,
    customer_id: int,
    changes: dict[str, Any],
    context: ChangeContext,
    expected_version: int | None = None,
) -> PreferencesChanged:
    """Apply changes given as flat state keys (see preferences.state); all or nothing.

    Raises PreferenceError when a change breaks a rule and StaleVersion when `expected_version` is
    not the current one. Changes that leave an effective value as it was write nothing.
    """
    staff_reason_require(context)
    with transaction.atomic():
        document = preference_document_lock(customer_id=customer_id)  # the customer, locked, in one query
        customer = document.customer
        if customer.erased_at is not None:
            raise CustomerErased()
        if expected_version is not None and expected_version != customer.version:
            raise StaleVersion(customer.version)
        cleaned = _changes_clean(document, changes)
        if cleaned.get("customer.marketing_objection") is True:
            cleaned.update(marketing_opt_outs(document.catalog))
        _changes_check(document, cleaned)
        double_optin_hold(document, cleaned, context)
        change_begin(customer)
        applied, fields = changes_apply(document, cleaned)
        events: list[ConsentEvent] = []
        if applied:
            with writes_batched():  # the ledger, the customer and the outbox in one round trip
                events = events_append(customer=customer, changes=applied, context=context)
                customer_bump(customer, fields)
                changed_notify(customer=customer, keys=[key for key, _old, _new in applied])
        else:
            change_abandon(customer)
        confirmations = double_optin_request(
            document, [key for key, _old, new in applied if new == SubscriptionStatus.PENDING]
        )
    return PreferencesChanged(document=document, events=events, confirmations=confirmations)


def _unknown_setting_message(key: str) -> str:
    # The document shows the customer's settings under `settings`: a client that writes them back by
    # that name is told the key it meant.
    name = key.removeprefix("settings.")
    if name != key and name in CUSTOMER_FIELDS:
        return _("Unknown setting: did you mean “customer.%(name)s”?") % {"name": name}
    return _(
        "Unknown setting: name it customer.<setting>, topic.<topic>.<delivery_mode|paper_copy|ai_level> or "
        "subscription.<topic>.<channel>."
    )


def _misspelt_message(what: str, name: str, known) -> str:
    """A key's topic or channel that names none: said as such, with the names there are (a misspelt
    channel was told that the topic is not sent on it, as if it were a real channel)."""
    values = {"name": Truncator(name).chars(40), "names": ", ".join(getattr(item, "code", item) for item in known)}
    if what == "topic":
        return _("“%(name)s” is not a topic; the topics are %(names)s.") % values
    return _("“%(name)s” is not a channel; the channels are %(names)s.") % values


def _changes_clean(document: PreferenceDocument, changes: dict[str, Any]) -> dict[str, Any]:
    topics = document.catalog.topics_by_code
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        setting = SettingKey.parse(key) or SettingKey("", "")  # not a key: an unknown setting
        try:
            if setting.kind == CUSTOMER and setting.detail is None and setting.name in CUSTOMER_FIELDS:
                cleaned[key] = customer_value_clean(setting.name, value)
            elif (
                setting.kind == TOPIC
                and setting.detail is not None
                and setting.name in topics
                and setting.detail in TOPIC_FIELDS
            ):
                cleaned[key] = topic_value_clean(setting.name, setting.detail, value)
            elif setting.kind in (TOPIC, SUBSCRIPTION) and setting.detail is not None and setting.name not in topics:
                raise PreferenceError({key: _misspelt_message("topic", setting.name, document.catalog.topics)})
            elif setting.kind == SUBSCRIPTION and setting.detail is not None and setting.name in topics:
                if setting.detail not in ChannelCode.values:
                    raise PreferenceError({key: _misspelt_message("channel", setting.detail, ChannelCode.values)})
                if setting.detail not in topics[setting.name].allowed_channels:
                    raise PreferenceError({key: _("This topic is not sent on that channel.")})
                if value not in (SubscriptionStatus.IN, SubscriptionStatus.OUT):
                    raise PreferenceError({key: _("Choose in or out.")})
                cleaned[key] = value
            else:
                raise PreferenceError({key: _unknown_setting_message(key)})
        except PreferenceError as error:
            for field_key, messages in error.message_dict.items():
                errors.setdefault(field_key, []).extend(messages)
    if errors:
        raise PreferenceError(errors)
    return cleaned


def marketing_opt_outs(catalog: Catalog, *, channel: str | None = None) -> dict[str, str]:
    """All marketing off: every marketing topic out on every channel it is sent on (what objecting to
    marketing does, and what an unsubscribe-from-everything link asks), or on one `channel` only
    (what an SMS "STOP" asks)."""
    return {
        str(SettingKey.subscription(topic.code, code)): SubscriptionStatus.OUT
        for topic in catalog.topics
        if topic.kind == TopicKind.MARKETING
        for code in topic.allowed_channels
        if channel is None or code == channel
    }


def _changes_check(document: PreferenceDocument, cleaned: dict[str, Any]) -> None:
    """Rules that look at the whole document after the change."""
    topics = document.catalog.topics_by_code
    objection = cleaned.get("customer.marketing_objection", document.customer.marketing_objection)
    errors: dict[str, str] = {}
    for key, value in cleaned.items():
        setting = SettingKey.parse(key)
        paper_copy = setting.kind == TOPIC and setting.detail == "paper_copy"
        if paper_copy and value is True and ChannelCode.POSTAL not in document.usable_channels():
            errors[key] = _channel_unusable_message(ChannelCode.POSTAL)
        if setting.kind != SUBSCRIPTION or value != SubscriptionStatus.IN:
            continue
        topic, channel = topics[setting.name], setting.detail
        if document.subscription_status(topic, channel) == SubscriptionStatus.IN:
            continue
        if topic.kind == TopicKind.MARKETING and objection:
            errors[key] = _("You object to marketing: lift the objection before choosing marketing messages.")
        elif channel not in document.usable_channels():
            errors[key] = _channel_unusable_message(channel)
    for topic in document.catalog.topics:
        if topic.kind != TopicKind.CRITICAL:
            continue
        statuses = [
            cleaned.get(str(SettingKey.subscription(topic.code, channel)), document.subscription_status(topic, channel))
            for channel in topic.allowed_channels
        ]
        if SubscriptionStatus.IN not in statuses:
            errors[str(SettingKey(TOPIC, topic.code))] = _("“%(topic)s” is important: keep at least one channel for it.") % {
                "topic": topic.name
            }
    quiet_hours_error = _quiet_hours_error(document, cleaned)
    if quiet_hours_error:
        errors["customer.quiet_hours_start"] = quiet_hours_error
    if errors:
        raise PreferenceError(errors)


def _quiet_hours_error(document: PreferenceDocument, cleaned: dict[str, Any]) -> str | None:
    """Quiet hours given together come both or neither (a console agent may set one at a time), and
    the window as it will stand starts and ends at different times: 08:00–08:00 reads as "never" to
    the contact plan, not as the whole day the customer may have meant. Only a change that touches
    them is checked, so a window stored before this rule never blocks an unrelated change."""
    touched = [key in cleaned for key in ("customer.quiet_hours_start", "customer.quiet_hours_end")]
    if not any(touched):
        return None
    customer = document.customer
    start = cleaned.get("customer.quiet_hours_start", time_to_state(customer.quiet_hours_start))
    end = cleaned.get("customer.quiet_hours_end", time_to_state(customer.quiet_hours_end))
    if all(touched) and (start is None) != (end is None):
        return _("Give both the start and the end of your quiet hours, or neither.")
    if start is not None and start == end:
        return _("Quiet hours must start and end at different times.")
    return None


def _channel_unusable_message(channel: str) -> str:
    kind = CHANNEL_CONTACT_POINT[channel]
    if kind == ContactPointKind.EMAIL:
        return _("Add and verify an email address before you switch email on.")
    if kind == ContactPointKind.POSTAL:
        return _("Add a postal address before you switch postal mail on.")
    if kind == ContactPointKind.APP:
        return _("Install our app and sign in to it before you switch app notifications on.")
    if channel == ChannelCode.MESSAGING:
        return _("Add and verify a mobile phone number or a messaging account before you switch messaging on.")
    if channel in MOBILE_ONLY_CHANNELS:
        return _("Add and verify a mobile phone number before you switch this channel on.")
    return _("Add and verify a phone number before you switch phone calls on.")


def changes_apply(
    document: PreferenceDocument, cleaned: dict[str, Any]
) -> tuple[list[tuple[str, Any, Any]], list[str]]:
    """Write what differs from the effective values; return (key, old, new) for the ledger, and the
    customer fields changed in memory, which the caller saves with its one version bump."""
    customer = document.customer
    topics = document.catalog.topics_by_code
    stored = document.state()
    applied: list[tuple[str, Any, Any]] = []
    customer_fields: list[str] = []
    subscription_rows: list[tuple[str, str, str]] = []
    topic_settings = {code: dict(values) for code, values in (customer.topic_settings or {}).items()}
    for key, new in cleaned.items():
        setting = SettingKey.parse(key)
        if setting.kind == CUSTOMER:
            old = stored.get(key)
            if old == new:
                continue
            setattr(customer, setting.name, customer_value_from_state(setting.name, new))
            customer_fields.append(setting.name)
        elif setting.kind == TOPIC:
            old = stored.get(key)
            # A form that posts the default (first delivery, no paper copy) changes nothing; an AI
            # level is different: an explicit level no longer follows the customer's general choice.
            follows_default = setting.detail != "ai_level" and old is None
            if old == new or (
                follows_default and new == document.topic_setting(topics[setting.name], setting.detail)
            ):
                continue
            settings_of_topic = topic_settings.setdefault(setting.name, {})
            if new is None:
                settings_of_topic.pop(setting.detail, None)
            else:
                settings_of_topic[setting.detail] = new
        else:
            old = document.subscription_status(topics[setting.name], setting.detail)
            if old == new:
                continue
            subscription_rows.append((setting.name, setting.detail, new))
        applied.append((key, old, new))
    if not applied:
        return [], []
    if any(SettingKey.parse(key).kind == TOPIC for key, _old, _new in applied):
        customer.topic_settings = {code: values for code, values in topic_settings.items() if values}
        customer_fields.append("topic_settings")
    if subscription_rows:  # one INSERT … ON CONFLICT UPDATE for all of them
        Subscription.objects.bulk_create(
            [
                Subscription(customer=customer, topic=topics[topic_code], channel=channel, status=status)
                for topic_code, channel, status in subscription_rows
            ],
            update_conflicts=True,
            unique_fields=["customer", "topic", "channel"],
            update_fields=["status", "updated_at"],
        )
        document.subscriptions.update({(code, channel): status for code, channel, status in subscription_rows})
    return applied, customer_fields
