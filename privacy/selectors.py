"""Reads of the privacy app, each in a bounded number of queries."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from contact_requests.models import ContactRequest, ContactRequestEvent
from preferences.keys import SettingKey
from preferences.models import ConsentEvent
from preferences.selectors import preference_document_get
from privacy.exports import EXPORT_FORMAT, EXPORT_SECTIONS
from privacy.models import DataExport, DataRightsApproval

EXPORTS_SHOWN = 5


def data_exports_for_customer(*, customer_id: int) -> list[DataExport]:
    """The latest exports still kept, without their (large) contents: one query."""
    return list(
        DataExport.objects.filter(customer_id=customer_id, expires_at__gt=timezone.now())
        .defer("json_content", "csv_content")
        .order_by("-created_at", "-pk")[:EXPORTS_SHOWN]
    )


def customer_data_collect(*, customer_id: int) -> dict[str, Any]:
    """Everything personal we hold about a customer, in seven queries whatever its size (one of them
    the sends section the API app registers, privacy.exports.EXPORT_SECTIONS)."""
    document = preference_document_get(customer_id=customer_id)  # customer, subscriptions, contact points
    customer = document.customer
    state = {key: value for key, value in document.state().items() if not key.startswith("contact_point.")}
    for topic in document.catalog.topics:
        for channel in topic.allowed_channels:
            state.setdefault(str(SettingKey.subscription(topic.code, channel)), document.subscription_status(topic, channel))
    events = ConsentEvent.objects.filter(customer_id=customer.pk).order_by("id")
    requests = ContactRequest.objects.filter(customer_id=customer.pk).select_related("topic", "conversation").prefetch_related(
        Prefetch("events", queryset=ContactRequestEvent.objects.order_by("id"))
    )
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now(),
        "customer": {
            "id": customer.pk,
            "external_id": customer.external_id,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "account_email": customer.user.email if customer.user_id else None,
            "created_at": customer.created_at,
        },
        "preferences": dict(sorted(state.items())),
        "contact_points": [
            {
                "id": point.pk,
                "kind": point.kind,
                "value": point.value,
                "phone_type": point.phone_type,
                "verified_at": point.verified_at,
                "created_at": point.created_at,
            }
            for point in document.contact_points
        ],
        "consent_events": [
            {
                "id": event.pk,
                "occurred_at": event.occurred_at,
                "key": event.key,
                "old_value": event.old_value,
                "new_value": event.new_value,
                "actor_type": event.actor_type,
                "source": event.source,
                "reason_code": event.reason_code,
                "reason": event.reason,
                "evidence": event.evidence,
                "privacy_notice_version": event.privacy_notice_version,
                "ai_statement_version": event.ai_statement_version,
                "ip_truncated": event.ip_truncated,
                "user_agent": event.user_agent,
            }
            for event in events
        ],
        "contact_requests": [
            {
                "id": request.pk,
                "created_at": request.created_at,
                "topic": request.topic.code if request.topic_id else None,
                "status": request.status,
                "reason": request.reason,
                "preferred_channel": request.preferred_channel,
                "preferred_time_slots": request.preferred_time_slots,
                "language": request.language,
                "contested_decision": request.contested_decision,
                "scheduled_for": request.scheduled_for,
                "outcome": request.outcome,
                "closed_at": request.closed_at,
                "chatbot_conversation": _conversation(request),
                "events": [
                    {
                        "occurred_at": e.occurred_at,
                        "kind": e.kind,
                        "new_status": e.new_status,
                        "note": e.note,
                        "details": e.details,  # what the step changed: slots, a time agreed, an outcome
                    }
                    for e in request.events.all()
                ],
            }
            for request in requests
        ],
    }
    # Sections kept by apps above this one (the API's reported sends), after privacy's own.
    for name, collect in EXPORT_SECTIONS.items():
        data[name] = collect(customer_id=customer.pk)
    return data


def _conversation(contact_request: ContactRequest) -> dict[str, Any] | None:
    """What the customer told a chatbot before asking for a person, as it was handed over."""
    conversation = getattr(contact_request, "conversation", None)
    if conversation is None:
        return None
    return {"bot_name": conversation.bot_name, "summary": conversation.summary, "transcript": conversation.transcript}


def data_rights_approvals_pending() -> list[DataRightsApproval]:
    """The requests waiting for a supervisor, oldest first, with customer and requester (one query)."""
    return list(
        DataRightsApproval.objects.filter(status=DataRightsApproval.Status.PENDING)
        .select_related("customer__user", "requested_by")
        .order_by("requested_at", "pk")
    )


def data_rights_approvals_decided(*, limit: int = 20) -> list[DataRightsApproval]:
    """The latest decisions, newest first (one query)."""
    return list(
        DataRightsApproval.objects.exclude(status=DataRightsApproval.Status.PENDING)
        .select_related("customer__user", "requested_by", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def data_rights_approvals_for_customer(*, customer_id: int) -> list[DataRightsApproval]:
    """Every request about one customer, newest first (one query)."""
    return list(
        DataRightsApproval.objects.filter(customer_id=customer_id).select_related("requested_by", "decided_by")
    )
