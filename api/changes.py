"""Changes to many customers in one call (`POST /api/v1/customers/changes`): up to 1,000 items, each by
id or external id with an optional expected version; one result per item (applied with its new
version, or the problem that stopped it), or, with `atomic`, all or nothing."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api import serializers as s
from api.fields import ExternalIdField, StrictBooleanField, StrictIntegerField
from api.models import Scope
from api.problems import problem
from api.schema import problems
from api.selectors import customers_active
from api.serializers import MAX_BATCH
from api.views import ApiView, change_context
from preferences.changes import preferences_change
from preferences.ledger import CustomerErased, StaleVersion
from preferences.models import Customer
from preferences.state import PreferenceError


class ChangeItemSerializer(s.PreferencesChangeSerializer):
    exactly_one_of = s.CUSTOMER_KEYS
    customer_id = StrictIntegerField(min_value=1, max_value=s.MAX_ID, required=False)
    external_id = ExternalIdField(required=False)
    expected_version = StrictIntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="Refused (412) when the customer is at another one."
    )

    def validate(self, attrs: dict) -> dict:
        return s.customer_named_once(attrs)  # as a send or a human-contact request: both, or neither, by name


class ChangeBatchSerializer(s.StrictSerializer):
    items = ChangeItemSerializer(many=True, allow_empty=False, min_length=1, max_length=MAX_BATCH)
    atomic = StrictBooleanField(
        required=False, default=False, help_text="All items or none: any failure leaves every customer as it was."
    )


# What became of one item of a bulk call (here and in api.customers_batch); one enum in the schema.
ITEM_STATUSES = ["applied", "failed", "not_applied"]


class ItemProblemSerializer(serializers.Serializer):
    """Why one item failed: a problem as RFC 9457 writes it (as the API's own problems are), with its `code`."""

    type = serializers.CharField(help_text="`urn:portal:problem:<code>`, as the `type` of the API's problems.")
    title = serializers.CharField(help_text="What kind of problem, in the language asked (Accept-Language).")
    status = serializers.IntegerField(help_text="The status the item would have had as a request of its own.")
    code = serializers.CharField(help_text="The end of `type`: `not_found`, `stale_version`, `validation_error`.")
    detail = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="With validation_error: the errors by field.")


class ChangeResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's place in `items`, from 0.")
    customer_id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=ITEM_STATUSES)
    version = serializers.IntegerField(required=False, help_text="The customer's version after the change.")
    problem = ItemProblemSerializer(required=False)


class ChangeBatchResultSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = ChangeResultSerializer(many=True)


class _Rollback(Exception):  # noqa: N818 - not an error: the way out of an atomic batch with a failure
    """Raised inside an atomic batch's transaction once an item failed, so that nothing stays."""


def item_problem(status: int, code: str, detail: str, errors: dict | None = None) -> dict:
    """One item's problem: `type`, `title`, `status` and `detail` as every problem of the API has them, and
    `code` (the first field items' problems had, kept for the clients that read it)."""
    body = problem(status_code=status, code=code, detail=detail)
    body["code"] = code
    if errors:
        body["errors"] = errors
    return body


def _apply(item: dict, customer_id: int | None, context) -> dict:
    """One item: its result, never an exception for what the item itself gets wrong."""
    result = {"customer_id": customer_id, "external_id": item.get("external_id")}
    if customer_id is None:
        return {**result, "status": "failed", "problem": item_problem(404, "not_found", _("No such customer."))}
    try:
        changed = preferences_change(
            customer_id=customer_id,
            changes=item["changes"],
            context=context,
            expected_version=item.get("expected_version"),
        )
    except (Customer.DoesNotExist, CustomerErased):
        return {**result, "status": "failed", "problem": item_problem(404, "not_found", _("No such customer."))}
    except StaleVersion as stale:
        detail = _("The customer is at version %(version)d.") % {"version": stale.current_version}
        return {**result, "status": "failed", "problem": item_problem(412, "stale_version", detail)}
    except PreferenceError as error:
        detail = _("Some changes are not valid: see errors.")
        return {**result, "status": "failed", "problem": item_problem(400, "validation_error", detail, error.message_dict)}
    customer = changed.document.customer
    return {**result, "external_id": customer.external_id, "status": "applied", "version": customer.version}


def _ids_resolve(items: list[dict]) -> list[int | None]:
    """Each item's customer id (None when no active customer has it): one query for the external ids."""
    external_ids = [item["external_id"] for item in items if "external_id" in item]
    found = dict(customers_active().filter(external_id__in=external_ids).values_list("external_id", "pk"))
    return [item["customer_id"] if "customer_id" in item else found.get(item["external_id"]) for item in items]


class CustomerChangeBatchView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customers_change_batch",
        summary="Change up to 1,000 customers at once, with one result per item",
        description="Each item names a customer by `customer_id` or `external_id`, may give the version it expects, "
        "and carries changes as `PATCH /api/v1/customers/{customer_id}` takes them. Without `atomic`, each item is "
        "applied on its own (a failing item changes nothing of its customer and does not stop the others). With "
        "`atomic: true`, any failure leaves every customer as it was: the failing items say why, the others are "
        "`not_applied`. 200 in both cases; count `failed`.",
        request=ChangeBatchSerializer,
        responses={200: ChangeBatchResultSerializer, **problems(400, 415)},
        examples=[
            OpenApiExample(
                "Stop the newsletter by email for two customers",
                value={
                    "items": [
                        {"external_id": "CRM-000123", "changes": {"subscription.newsletter.email": "out"}},
                        {"customer_id": 42, "expected_version": 7, "changes": {"subscription.newsletter.email": "out"}},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = ChangeBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items, atomic = serializer.validated_data["items"], serializer.validated_data["atomic"]
        context = change_context(request)
        ids = _ids_resolve(items)
        results: list[dict] = []
        if atomic:
            # Customers are locked in id order, whatever the order of the items, so that two atomic
            # batches naming the same customers in another order wait for each other, never deadlock.
            # (A customer named twice keeps its items' order: the sort is stable.)
            order = sorted(range(len(items)), key=lambda index: ids[index] or 0)
            applied: dict[int, dict] = {}
            try:
                with transaction.atomic():
                    for index in order:
                        applied[index] = _apply(items[index], ids[index], context)
                    results = [applied[index] for index in range(len(items))]
                    if any(result["status"] == "failed" for result in results):
                        raise _Rollback()
            except _Rollback:
                results = [
                    result
                    if result["status"] == "failed"
                    else {key: value for key, value in result.items() if key != "version"} | {"status": "not_applied"}
                    for result in results
                ]
        else:
            results = [_apply(item, customer_id, context) for item, customer_id in zip(items, ids, strict=True)]
        body = {
            "applied": sum(result["status"] == "applied" for result in results),
            "failed": sum(result["status"] == "failed" for result in results),
            "results": [{"index": index, **result} for index, result in enumerate(results)],
        }
        return Response(body)
