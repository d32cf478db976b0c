"""Finding customers: the list with filters (`GET /api/v1/customers`, cursor pages) and every customer
document operation by the client's own id (`/api/v1/customers/by-external-id/{external_id}`)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import document_out
from api import serializers as s
from api.access import MAX_ID, customer_get_by_external_id_for_api_client
from api.conditional import IF_NONE_MATCH, NOT_MODIFIED
from api.fields import ExternalIdField, OffsetDateTimeField, QueryIntegerField
from api.models import Scope
from api.permissions import MissingScope
from api.representations import document_representation
from api.schema import problems
from api.selectors import customer_ids_find
from api.views import IF_MATCH, CustomerDetailView, CustomerUpsertView, personal_data_allowed
from preferences.contact_points import contact_point_value_clean
from preferences.documents_pg import preference_documents_active
from preferences.domain import ContactPointKind
from preferences.state import PreferenceError

MAX_PAGE = 200


class CustomerQuerySerializer(s.StrictSerializer):
    external_id = ExternalIdField(required=False, help_text="Your id of the customer.")
    email = serializers.EmailField(required=False, help_text="An email address of theirs (needs contact_points:read).")
    phone = s.PhoneField(
        required=False, help_text="A phone number of theirs, any usual form (needs contact_points:read)."
    )
    updated_after = OffsetDateTimeField(required=False, help_text="Only customers changed after this moment.")
    after = QueryIntegerField(
        min_value=0, max_value=MAX_ID, required=False, default=0, help_text="The next_cursor of the previous page."
    )
    limit = QueryIntegerField(min_value=1, max_value=MAX_PAGE, required=False, default=50)


class CustomerPageSerializer(serializers.Serializer):
    customers = document_out.PreferenceDocumentOutSerializer(many=True)
    next_cursor = serializers.IntegerField(
        allow_null=True, help_text="Pass it as `after` for the next page; null on the last page."
    )


class CustomerListUpsertView(CustomerUpsertView):
    """GET lists (and finds) customers; POST creates or updates one (api.views.CustomerUpsertView)."""

    required_scopes = {"GET": Scope.CUSTOMERS_READ, "POST": Scope.CUSTOMERS_WRITE}
    query_serializers = {"GET": CustomerQuerySerializer}

    @extend_schema(
        operation_id="customers_list",
        summary="Customers, in id order, filtered by your id, an address, a phone number or a date of change",
        description="Erased customers are never listed. Filters combine (all must hold). Filtering by email or "
        "phone needs the scope contact_points:read, as reading those values does. Pages follow `next_cursor`.",
        parameters=[CustomerQuerySerializer],
        responses={200: CustomerPageSerializer, **problems(400)},
    )
    def get(self, request):
        query = CustomerQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if ("email" in data or "phone" in data) and not personal_data_allowed(request):
            raise MissingScope(scope=Scope.CONTACT_POINTS_READ)
        addresses = []
        if "email" in data:
            addresses.append((ContactPointKind.EMAIL, data["email"].lower()))
        if "phone" in data:
            try:
                phone, _type = contact_point_value_clean(kind=ContactPointKind.PHONE, value=data["phone"])
            except PreferenceError:
                raise ValidationError({"phone": [_("Enter a valid phone number, such as 06 12 34 56 78.")]}) from None
            addresses.append((ContactPointKind.PHONE, phone))
        ids = customer_ids_find(
            after=data["after"],
            limit=data["limit"] + 1,
            external_id=data.get("external_id"),
            addresses=addresses,
            updated_after=data.get("updated_after"),
        )
        more = len(ids) > data["limit"]
        ids = ids[: data["limit"]]
        documents = sorted(preference_documents_active(ids=ids) if ids else [], key=lambda d: d.customer.pk)
        personal = personal_data_allowed(request)
        body = {
            "customers": [document_representation(document, personal=personal) for document in documents],
            "next_cursor": ids[-1] if more else None,
        }
        return Response(body)


EXTERNAL_ID = OpenApiParameter(
    "external_id",
    str,
    OpenApiParameter.PATH,
    description="Your id of the customer (as given on upsert), URL-encoded; one holding a slash is found with "
    "`GET /api/v1/customers?external_id=`.",
)


class CustomerByExternalIdView(CustomerDetailView):
    """The document of a customer found by the client's own id: the same answers as by internal id."""

    @extend_schema(
        operation_id="customer_read_by_external_id",
        summary="A customer's preference document, found by your own id",
        description="The same answer as `GET /api/v1/customers/{customer_id}` (ETag, If-None-Match → 304).",
        parameters=[EXTERNAL_ID, IF_NONE_MATCH],
        responses={200: document_out.PreferenceDocumentOutSerializer, **NOT_MODIFIED, **problems(404)},
    )
    def get(self, request, external_id: str):
        customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
        return super().get(request, customer_id=customer.pk)

    @extend_schema(
        operation_id="customer_preferences_change_by_external_id",
        summary="Change preferences of a customer found by your own id (If-Match required)",
        description="The same as `PATCH /api/v1/customers/{customer_id}`.",
        parameters=[EXTERNAL_ID, IF_MATCH],
        request=s.PreferencesChangeSerializer,
        responses={200: document_out.PreferencesChangeOutSerializer, **problems(400, 404, 412, 415, 428)},
    )
    def patch(self, request, external_id: str):
        customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
        return super().patch(request, customer_id=customer.pk)
