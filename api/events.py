"""The change feed (GET /api/v1/events): ledger events after a cursor, with its query, page and event
serializers and its view."""

from datetime import UTC
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.fields import ExternalIdField, OffsetDateTimeField, QueryIntegerField, StrictCharField
from api.models import Scope
from api.representations import event_representation
from api.schema import problems
from api.serializers import MAX_ID, StrictSerializer
from api.views import ApiView, personal_data_allowed
from preferences.feed import (
    CURSOR_PATTERN,
    FeedEndOnce,
    FeedFilters,
    FeedPosition,
    UnknownCursor,
    consent_events_page,
    feed_position,
)


class EventOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The event's id (unique; ids do not follow the feed's order).")
    cursor = StrictCharField(help_text="This event's place in the feed: pass it as `after` to resume after it.")
    customer_id = serializers.IntegerField()
    external_id = StrictCharField(allow_null=True)
    version = serializers.IntegerField(
        allow_null=True,
        help_text="The customer's version this change produced (the document's version and ETag after it): the "
        "events of one change share it. Null for events recorded before versions were.",
    )
    occurred_at = serializers.DateTimeField(default_timezone=UTC)
    key = StrictCharField()
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)
    actor_type = StrictCharField()
    actor_id = StrictCharField()
    source = StrictCharField()
    reason_code = StrictCharField()
    reason = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")
    evidence = StrictCharField(required=False, help_text="Only with the contact_points:read scope.")
    privacy_notice_version = serializers.IntegerField(allow_null=True)
    ai_statement_version = serializers.IntegerField(allow_null=True)


class EventPageSerializer(serializers.Serializer):
    events = EventOutSerializer(many=True)
    next_cursor = StrictCharField(
        help_text="Opaque: pass it as `after` for the next page. With no more events, it stands at the feed's end."
    )
    has_more = serializers.BooleanField()
    next = StrictCharField(allow_null=True)


UNKNOWN_CURSOR_MESSAGE = gettext_lazy("This cursor was not given by this feed: send 0, now, or a cursor the feed gave you.")


class EventQuerySerializer(StrictSerializer):
    after = serializers.RegexField(
        rf"^(now|{CURSOR_PATTERN})$",
        trim_whitespace=False,  # "now " or "0.43\n" is not a cursor the feed gave (preferences.feed.feed_position)
        error_messages={"invalid": UNKNOWN_CURSOR_MESSAGE},
        required=False,
        default="0",
        help_text="Where to start: `0` (or nothing) for the beginning, the `next_cursor` or an event's `cursor` "
        "you were given, or `now` for only what happens from now on. Any other cursor is refused (400), so "
        "that a reader never skips events without knowing it.",
    )
    limit = QueryIntegerField(min_value=1, max_value=1000, required=False, default=100)
    customer_id = QueryIntegerField(min_value=1, max_value=MAX_ID, required=False)
    external_id = ExternalIdField(required=False)
    key_prefix = StrictCharField(
        min_length=1, max_length=120, required=False, help_text="e.g. `subscription.offers.` or `customer.`"
    )
    occurred_after = OffsetDateTimeField(required=False, help_text="Events at or after this time.")
    occurred_before = OffsetDateTimeField(required=False, help_text="Events before this time.")

    def validate_after(self, value: str) -> FeedPosition:
        # The view's FeedEndOnce: an end cursor (or `now`) and the page then read share one reading of the end.
        end = self.context.get("feed_end") or FeedEndOnce()
        if value == "now":
            return end()
        try:
            return feed_position(value, read_end=end)
        except UnknownCursor:
            raise serializers.ValidationError(UNKNOWN_CURSOR_MESSAGE) from None


class EventListView(ApiView):
    required_scopes = {"GET": Scope.EVENTS_READ}
    query_serializers = {"GET": EventQuerySerializer}

    @extend_schema(
        operation_id="events_list",
        summary="Ledger events after a cursor, in order, each exactly once",
        description="A reader that follows `next_cursor` sees every committed event exactly once, whatever the "
        "number of transactions committing at once and their order: an event is served only when no "
        "transaction that could still commit an earlier one is open. The order is the feed's own (not the "
        "ids'). Filters narrow a page; the cursor still moves through the whole feed. Personal values "
        "(contact point values, free-text reasons) need contact_points:read.",
        parameters=[EventQuerySerializer],
        responses={200: EventPageSerializer, **problems(400)},
    )
    def get(self, request):
        # A plain dict: DRF would read an empty "?after=" from a QueryDict as "not given".
        end = FeedEndOnce()
        query = EventQuerySerializer(data=request.query_params.dict(), context={"feed_end": end})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = FeedFilters(**{name: data[name] for name in FEED_FILTERS if name in data})
        page = consent_events_page(after=data["after"], limit=data["limit"], filters=filters, read_end=end)
        personal = personal_data_allowed(request)
        # The next page's link keeps the filters as they were given.
        next_query = {"after": str(page.next_position), "limit": data["limit"]}
        next_query |= {name: value for name, value in query.initial_data.items() if name in FEED_FILTERS}
        body = {
            "events": [event_representation(event, personal=personal) for event in page.events],
            "next_cursor": str(page.next_position),
            "has_more": page.has_more,
            "next": f"{reverse('api:event-list')}?{urlencode(next_query)}" if page.has_more else None,
        }
        return Response(body)


FEED_FILTERS = ("customer_id", "external_id", "key_prefix", "occurred_after", "occurred_before")
