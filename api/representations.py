"""Domain objects as API answers. Personal values (names, addresses, numbers, free-text reasons)
appear only when the client holds the contact_points:read scope."""

from datetime import UTC, datetime
from typing import Any

from preferences.contact_plan import ContactPlan, PlannedChannel
from preferences.document import PreferenceDocument
from preferences.domain import SubscriptionStatus, consent_reason_text
from preferences.feed import FeedPosition
from preferences.models import ConsentEvent
from preferences.optin import OptinConfirmation
from preferences.state import CUSTOMER_FIELDS, time_to_state


def document_representation(document: PreferenceDocument, *, personal: bool) -> dict[str, Any]:
    customer = document.customer
    settings = {}
    for name in CUSTOMER_FIELDS:
        value = getattr(customer, name)
        settings[name] = time_to_state(value) if name.startswith("quiet_hours") else value
    settings["marketing_paused_until"] = _utc(customer.marketing_paused_until)
    ranking = document.ranking()
    settings["channel_ranking"] = ranking
    body: dict[str, Any] = {"id": customer.pk, "external_id": customer.external_id, "version": customer.version}
    if personal:
        body["first_name"], body["last_name"] = customer.first_name, customer.last_name
    body["settings"] = settings
    body["topics"] = [
        {
            "code": topic.code,
            "kind": topic.kind,
            "delivery_mode": document.topic_setting(topic, "delivery_mode"),
            "paper_copy": bool(topic.paper_copy_available and document.topic_setting(topic, "paper_copy")),
            "ai_level": document.topic_setting(topic, "ai_level"),
            "subscriptions": [
                {"channel": channel, "status": document.subscription_status(topic, channel)}
                for channel in ranking
                if channel in topic.allowed_channels
            ],
        }
        for topic in document.catalog.topics
    ]
    body["contact_points"] = [
        {
            "id": point.pk,
            "kind": point.kind,
            "phone_type": point.phone_type,
            "verified": point.is_verified,
            **({"value": point.value} if personal else {}),
        }
        for point in document.contact_points
    ]
    usable = document.usable_channels()
    body["usable_channels"] = [channel for channel in ranking if channel in usable]
    return body


def confirmation_representation(confirmation: OptinConfirmation) -> dict[str, Any]:
    """What became of the double opt-in confirmation of one subscription a change left pending."""
    return {
        "topic": confirmation.topic,
        "channel": confirmation.channel,
        "status": SubscriptionStatus.PENDING,
        "sent": confirmation.sent,
        "via": confirmation.via,
        "reason": confirmation.reason,
    }


def _utc(moment: datetime | None) -> datetime | None:
    """Times go out in UTC (`…Z`), as the schema's date-time fields give them."""
    return moment.astimezone(UTC) if moment is not None else None


def _channel(planned: PlannedChannel | None, *, personal: bool) -> dict[str, Any] | None:
    if planned is None:
        return None
    body: dict[str, Any] = {"channel": planned.channel, "contact_point_id": planned.contact_point_id}
    if personal:
        body["address"] = planned.address
    return body


def plan_representation(plan: ContactPlan, *, external_id: str | None, personal: bool) -> dict[str, Any]:
    """Plain data, as ContactPlanOutSerializer describes it (the schema), rendered without it: 1,000 plans
    through DRF fields cost more than deciding them."""
    return {
        "customer_id": plan.customer_id,
        "external_id": external_id,
        "language": plan.language,
        "allowed": plan.allowed,
        "reasons": plan.reasons,
        "delivery_mode": plan.delivery_mode,
        "channels": [_channel(item, personal=personal) for item in plan.channels],
        "deferred": [
            {"channel": item.channel, "not_before": _utc(item.not_before), "reason": item.reason}
            for item in plan.deferred
        ],
        "paper_copy": plan.paper_copy,
        "paper_copy_address": _channel(plan.paper_copy_address, personal=personal),
        "ai": {
            "level": plan.ai.level,
            "allowed": plan.ai.allowed,
            "requires_human_review": plan.ai.requires_human_review,
            "disclosure_required": plan.ai.disclosure_required,
            "disclosure_text": plan.ai.disclosure_text,
        },
        "format_needs": plan.format_needs,
        "next_allowed_at": _utc(plan.next_allowed_at),
        "assistance_mode": plan.assistance_mode,
    }


def _event_value(key: str, value: Any, *, personal: bool) -> Any:
    if personal or not key.startswith("contact_point.") or not isinstance(value, dict):
        return value
    return {name: item for name, item in value.items() if name != "value"}


def event_representation(event: ConsentEvent, *, personal: bool) -> dict[str, Any]:
    body = {
        "id": event.pk,
        "cursor": str(FeedPosition(event.transaction_id, event.pk)),
        "customer_id": event.customer_id,
        "external_id": event.customer.external_id,
        "version": event.version,
        "occurred_at": event.occurred_at,
        "key": event.key,
        "old_value": _event_value(event.key, event.old_value, personal=personal),
        "new_value": _event_value(event.key, event.new_value, personal=personal),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "source": event.source,
        "reason_code": event.reason_code,
        "privacy_notice_version": event.privacy_notice_version,
        "ai_statement_version": event.ai_statement_version,
    }
    if personal:
        body["reason"] = consent_reason_text(reason_code=event.reason_code, reason=event.reason)
        body["evidence"] = event.evidence
    return body
