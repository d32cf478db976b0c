"""Creating or updating up to 1,000 customers at once (`POST /api/v1/customers/batch`): one result per
item (applied, created or not, with its version; or the problem that stopped it), as
`POST /api/v1/customers/changes` answers, or, with `atomic`, all or nothing."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api import serializers as s
from api.changes import ITEM_STATUSES, ItemProblemSerializer, item_problem
from api.fields import StrictBooleanField
from api.models import Scope
from api.problems import UnknownFields
from api.schema import problems
from api.views import ApiView, change_context
from preferences.customers_import import BatchError, ImportResult, customers_import


class CustomerBatchUpsertSerializer(s.StrictSerializer):
    # What the schema shows: each item as POST /api/v1/customers takes it. The view reads the envelope
    # with CustomerBatchEnvelopeSerializer and each item on its own, so that a bad item fails alone.
    customers = s.CustomerUpsertSerializer(many=True, allow_empty=False, min_length=1, max_length=s.MAX_BATCH)
    atomic = StrictBooleanField(
        required=False, default=False, help_text="All items or none: any failure leaves every customer as it was."
    )


class CustomerBatchEnvelopeSerializer(s.StrictSerializer):
    customers = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, min_length=1, max_length=s.MAX_BATCH
    )
    atomic = StrictBooleanField(required=False, default=False)

    def validate_customers(self, value: list[dict]) -> list[dict]:
        # An unknown field is a mistake of the caller's code, not of one customer's data: the whole
        # request is refused, naming each (customers.<index>.<field>), as before items were read alone.
        known = set(s.CustomerUpsertSerializer().fields)
        unknown = {
            str(index): UnknownFields(names).detail
            for index, item in enumerate(value)
            if (names := [name for name in item if name not in known])
        }
        if unknown:
            raise serializers.ValidationError(unknown)
        ids = [item["external_id"].strip() for item in value if isinstance(item.get("external_id"), str)]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("Each external_id may appear only once in a batch."))
        return value


class UpsertResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's place in `customers`, from 0.")
    customer_id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField(allow_null=True, help_text="As the item gave it; null when it gave none.")
    status = serializers.ChoiceField(choices=ITEM_STATUSES)
    created = serializers.BooleanField(required=False, help_text="With applied: whether the customer is new.")
    version = serializers.IntegerField(required=False, help_text="With applied: the customer's version now.")
    problem = ItemProblemSerializer(required=False)


class UpsertBatchResultSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = UpsertResultSerializer(many=True)


def _invalid(errors: dict) -> dict:
    return item_problem(400, "validation_error", _("Some fields are not valid: see errors."), errors)


def _external_id(item: dict) -> str | None:
    value = item.get("external_id")
    return value.strip() if isinstance(value, str) else None


def _result(index: int, item: dict, outcome: ImportResult) -> dict:
    result = {"index": index, "customer_id": None, "external_id": _external_id(item)}
    if outcome.customer is None:
        return {**result, "status": "failed", "problem": _invalid(outcome.errors or {})}
    customer = outcome.customer
    return {**result, "customer_id": customer.pk, "status": "applied", "created": outcome.created, "version": customer.version}


def _refused(index: int, item: dict, errors: dict) -> dict:
    """An item of an atomic batch that was refused: why, or `not_applied` when another item failed."""
    result = {"index": index, "customer_id": None, "external_id": _external_id(item)}
    if str(index) in errors:
        return {**result, "status": "failed", "problem": _invalid(errors[str(index)])}
    return {**result, "status": "not_applied"}


class CustomerBatchUpsertView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_WRITE}

    @extend_schema(
        operation_id="customers_upsert_batch",
        summary="Create or update up to 1,000 customers at once, with one result per item",
        description="Each item is what `POST /api/v1/customers` takes. Without `atomic`, each item is applied on its "
        "own: an invalid item (a bad phone number, an erased customer…) fails with its problem and changes nothing, "
        "the others are written. With `atomic: true`, the batch is all or nothing: any failure leaves every "
        "customer as it was, the failing items say why and the others are `not_applied`. 200 in both cases; count "
        "`failed`. An item with a value the schema refuses (a bad phone number, a language not offered) fails "
        "alone in the same way. A body that is not a batch, an unknown field in any item, or an external_id given "
        "twice is a 400 for the whole request.",
        request=CustomerBatchUpsertSerializer,
        responses={200: UpsertBatchResultSerializer, **problems(400, 415)},
        examples=[
            OpenApiExample(
                "Two customers from the CRM, all or nothing",
                value={
                    "customers": [
                        {"external_id": "CRM-000123", "email": "camille@example.com", "email_verified": True},
                        {"external_id": "CRM-000124", "phone": "01 42 68 53 00", "phone_type": "landline"},
                    ],
                    "atomic": True,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        envelope = CustomerBatchEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        items, atomic = envelope.validated_data["customers"], envelope.validated_data["atomic"]
        valid: dict[int, dict] = {}
        errors: dict[str, dict] = {}
        # One serializer instance reads every item (StrictSerializer.validated): building one per item cost
        # half of a 1,000-item request. The errors are the ones is_valid() would give.
        for index, item in enumerate(items):
            try:
                valid[index] = s.CustomerUpsertSerializer.validated(item)
            except serializers.ValidationError as error:
                errors[str(index)] = error.detail
        if errors and atomic:
            results = [_refused(index, item, errors) for index, item in enumerate(items)]
        else:
            try:
                outcomes = customers_import(context=change_context(request), items=list(valid.values()), atomic=atomic)
            except BatchError as error:
                indexes = list(valid)  # the service numbers the valid items from 0
                refused = {str(indexes[int(position)]): fields for position, fields in error.errors.items()}
                results = [_refused(index, item, refused) for index, item in enumerate(items)]
            else:
                done = dict(zip(valid, outcomes, strict=True))
                results = [
                    _result(index, item, done.get(index) or ImportResult(None, False, errors[str(index)]))
                    for index, item in enumerate(items)
                ]
        body = {
            "applied": sum(result["status"] == "applied" for result in results),
            "failed": sum(result["status"] == "failed" for result in results),
            "results": results,
        }
        return Response(body)
