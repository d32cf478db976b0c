"""Data rights through the API, for the systems where customers ask for them (a CRM, a contact centre):

- `POST /api/v1/customers/{id}/erasure` (scope customers:erase, a reason required) runs the same
  erasure as the customer's "delete my account" and the console's;
- `POST /api/v1/customers/{id}/data-exports` (scope customers:export) queues the same export as the
  customer's "download my data"; its status and its files (JSON, CSV) are then read by GET.

Each operation (an erasure, an export's request, its status and its files) is reachable by the
client's own id too (`/customers/by-external-id/{external_id}/…`): the
numeric-id path cannot take it, since an external id of digits would name another customer there.
A client sees the exports it requested, no others (another's export is a 404).
"""

from datetime import UTC

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.access import customer_named_for_api_client
from api.customers import EXTERNAL_ID
from api.fields import ReasonField, StrictCharField
from api.models import ApiClient, Scope
from api.schema import location_header, problems
from api.serializers import MAX_ID, StrictSerializer
from api.views import ApiView
from preferences.models import Customer
from preferences.state import PreferenceError
from privacy import services
from privacy.models import DataExport, RequestedBy
from privacy.views import FORMATS, export_response

REASON_MAX_LENGTH = 1000


class ExportNotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "export_not_ready"
    default_detail = _("The export is still being prepared (or it failed): read its status.")


# --- Access helpers (one condition per line) ---------------------------------------------------------


def data_export_get_for_api_client(*, client: ApiClient, customer: Customer, export_id: int) -> DataExport:
    """An export of this customer that this client requested."""
    if export_id > MAX_ID:
        raise NotFound()
    export = DataExport.objects.filter(
        pk=export_id,
        customer=customer,
        requested_by_type=RequestedBy.API_CLIENT,
        requested_by_id=str(client.pk),
    ).defer("json_content", "csv_content").first()
    if export is None:
        raise NotFound()
    return export


# --- Serializers -------------------------------------------------------------------------------------


class ErasureInSerializer(StrictSerializer):
    reason = ReasonField(
        max_length=REASON_MAX_LENGTH,
        help_text="Why (e.g. the customer's request, its date and reference). Kept with the proof of erasure, "
        "never in the consent ledger.",
    )


class ErasureOutSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    erased_at = serializers.DateTimeField(default_timezone=UTC)


class DataExportInSerializer(StrictSerializer):
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="", help_text="Why, for the record."
    )


DOWNLOAD_UNDER_OUR_ID = " Its address is under our id of the customer (`/api/v1/customers/{customer_id}/…`), whichever path asked."


class DataExportDownloadsSerializer(serializers.Serializer):
    json = serializers.URLField(help_text="Everything, as one JSON document." + DOWNLOAD_UNDER_OUR_ID)
    csv = serializers.URLField(
        help_text="The same, one row per value (section, item, field, value)." + DOWNLOAD_UNDER_OUR_ID
    )


class DataExportOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    external_id = StrictCharField(allow_null=True, help_text="Your id of the customer (null when it has none).")
    status = serializers.ChoiceField(choices=DataExport.Status.choices)
    progress = serializers.IntegerField(help_text="Percent done.")
    created_at = serializers.DateTimeField(default_timezone=UTC)
    finished_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    expires_at = serializers.DateTimeField(default_timezone=UTC, help_text="The files are deleted then.")
    downloads = DataExportDownloadsSerializer(allow_null=True, help_text="Once `status` is `ready`.")


def _export_body(request, export: DataExport, customer: Customer) -> dict:
    downloads = None
    if export.status == DataExport.Status.READY:
        downloads = {
            fmt: request.build_absolute_uri(
                reverse(
                    "api:customer-data-export-download",
                    kwargs={"customer_id": export.customer_id, "export_id": export.pk, "fmt": fmt},
                )
            )
            for fmt in FORMATS
        }
    body = {
        "id": export.pk,
        "customer_id": export.customer_id,
        "external_id": customer.external_id,
        "status": export.status,
        "progress": export.progress,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "expires_at": export.expires_at,
        "downloads": downloads,
    }
    return DataExportOutSerializer(body).data


# --- Erasure -----------------------------------------------------------------------------------------

ERASURE_DESCRIPTION = (
    "Erases the customer's personal data at once, as the customer's own \"delete my account\" does: names, "
    "external id, contact points, free texts; the consent ledger keeps what changed and when, without personal "
    "values, and gains a `customer.erased` event (in `GET /api/v1/events`); requests to talk to a person still in "
    "progress are withdrawn; webhook receivers get `customer.erased` (with the external id, so that they find "
    "their record), and earlier events of the customer are never sent again with it. Cannot be undone. An unknown "
    "or already erased customer is a 404."
)
ERASURE_EXAMPLE = OpenApiExample(
    "The customer asked the contact centre", value={"reason": "Asked by phone on 3 March, ticket 4411"}, request_only=True
)


class CustomerErasureView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_ERASE}

    @extend_schema(
        operation_id="customer_erase",
        summary="Erase a customer's personal data (cannot be undone)",
        description=ERASURE_DESCRIPTION,
        request=ErasureInSerializer,
        responses={200: ErasureOutSerializer, **problems(400, 404, 415)},
        examples=[ERASURE_EXAMPLE],
    )
    def post(self, request, **kwargs):
        serializer = ErasureInSerializer(data=request.data)
        if not serializer.is_valid():
            customer_named_for_api_client(client=request.user, **kwargs)  # an unknown customer is a 404 before the body is judged
            raise ValidationError(serializer.errors)
        customer = customer_named_for_api_client(client=request.user, **kwargs)
        try:
            customer = services.customer_erase(
                customer_id=customer.pk,
                requested_by_type=RequestedBy.API_CLIENT,
                requested_by_id=str(request.user.pk),
                reason=serializer.validated_data["reason"],
            )
        except PreferenceError as error:
            if "customer" in error.message_dict:  # erased meanwhile by another request
                raise NotFound() from None
            raise ValidationError(error.message_dict) from None
        return Response(ErasureOutSerializer({"customer_id": customer.pk, "erased_at": customer.erased_at}).data)


class CustomerErasureByExternalIdView(CustomerErasureView):
    @extend_schema(
        operation_id="customer_erase_by_external_id",
        summary="Erase a customer's personal data, found by your own id (cannot be undone)",
        description=ERASURE_DESCRIPTION,
        request=ErasureInSerializer,
        responses={200: ErasureOutSerializer, **problems(400, 404, 415)},
        examples=[ERASURE_EXAMPLE],
    )
    def post(self, request, external_id: str):
        return super().post(request, external_id=external_id)


# --- Data exports ------------------------------------------------------------------------------------

EXPORT_DESCRIPTION = (
    "Queues the preparation of everything held about the customer (the same files as the customer's \"download "
    "my data\": preferences, contact points, consent events, requests to talk to a person, the sends reported for "
    "them), and answers 202 with its status; `Location` is where to poll it. While this client's export of the "
    "customer is still being prepared, asking again answers that one. Files are kept "
    "`DATA_EXPORT_KEEP_DAYS` days (7 by default)."
)


EXPORT_LOCATION = location_header(
    202,
    description="The export's address, to poll: `/api/v1/customers/{customer_id}/data-exports/{export_id}`, under "
    "our id of the customer (the body's `customer_id`) also when the request named the customer by your id (an "
    "external id may hold characters a path cannot).",
)


class CustomerDataExportsView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_EXPORT}

    @extend_schema(
        operation_id="customer_data_export_request",
        summary="Prepare a download of everything held about a customer (a job: poll its status)",
        description=EXPORT_DESCRIPTION,
        request=DataExportInSerializer,
        responses={202: DataExportOutSerializer, **problems(400, 404, 415)},
        parameters=[EXPORT_LOCATION],
    )
    def post(self, request, **kwargs):
        customer = customer_named_for_api_client(client=request.user, **kwargs)
        serializer = DataExportInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            export = services.data_export_request(
                customer_id=customer.pk,
                requested_by_type=RequestedBy.API_CLIENT,
                requested_by_id=str(request.user.pk),
                reason=serializer.validated_data["reason"],
            )
        except PreferenceError as error:
            if "customer" in error.message_dict:  # erased meanwhile
                raise NotFound() from None
            raise ValidationError(error.message_dict) from None
        export.refresh_from_db()  # an eager (or very fast) worker may have prepared it already
        response = Response(_export_body(request, export, customer), status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse(
            "api:customer-data-export-detail", kwargs={"customer_id": customer.pk, "export_id": export.pk}
        )
        return response


class CustomerDataExportsByExternalIdView(CustomerDataExportsView):
    @extend_schema(
        operation_id="customer_data_export_request_by_external_id",
        summary="Prepare a download of everything held about a customer, found by your own id",
        description=EXPORT_DESCRIPTION,
        request=DataExportInSerializer,
        responses={202: DataExportOutSerializer, **problems(400, 404, 415)},
        parameters=[EXPORT_LOCATION],
    )
    def post(self, request, external_id: str):
        return super().post(request, external_id=external_id)


EXPORT_READ_DESCRIPTION = (
    "`downloads` (once `ready`) are the files' addresses under our id of the customer, whichever path asked; "
    "an export of another client, of the customer's own (portal) request, or of another customer is a 404."
)


class CustomerDataExportDetailView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_EXPORT}

    @extend_schema(
        operation_id="customer_data_export_read",
        summary="The status of an export this client requested, with download links once ready",
        description=EXPORT_READ_DESCRIPTION,
        responses={200: DataExportOutSerializer, **problems(404)},
    )
    def get(self, request, export_id: int, **kwargs):
        customer = customer_named_for_api_client(client=request.user, **kwargs)
        export = data_export_get_for_api_client(client=request.user, customer=customer, export_id=export_id)
        return Response(_export_body(request, export, customer))


class CustomerDataExportDetailByExternalIdView(CustomerDataExportDetailView):
    @extend_schema(
        operation_id="customer_data_export_read_by_external_id",
        summary="The status of an export this client requested, the customer found by your own id",
        description=EXPORT_READ_DESCRIPTION,
        parameters=[EXTERNAL_ID],
        responses={200: DataExportOutSerializer, **problems(404)},
    )
    def get(self, request, external_id: str, export_id: int):
        return super().get(request, export_id=export_id, external_id=external_id)


DOWNLOAD_DESCRIPTION = (
    "The CSV has one row per value (`section`, `item`, `field`, `value`); a cell that a spreadsheet would read as a "
    "formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) starts with a single quote. 409 while "
    "the export is not ready."
)
DOWNLOAD_FORMAT = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="The file's format.")
DOWNLOAD_RESPONSES = {
    (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="The JSON file."),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
    **problems(404, 409),
}


class CustomerDataExportDownloadView(ApiView):
    required_scopes = {"GET": Scope.CUSTOMERS_EXPORT}

    def perform_content_negotiation(self, request, force=False):
        # The format is in the path (download.json, download.csv): Accept does not choose it. Errors
        # are problem+json whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="customer_data_export_download",
        summary="One file of a ready export: `download.json` or `download.csv`",
        description=DOWNLOAD_DESCRIPTION,
        parameters=[DOWNLOAD_FORMAT],
        responses=DOWNLOAD_RESPONSES,
    )
    def get(self, request, export_id: int, fmt: str, **kwargs):
        customer = customer_named_for_api_client(client=request.user, **kwargs)
        export = data_export_get_for_api_client(client=request.user, customer=customer, export_id=export_id)
        if fmt not in FORMATS:
            raise NotFound()
        if export.status != DataExport.Status.READY:
            raise ExportNotReady()
        return export_response(DataExport.objects.get(pk=export.pk), fmt)  # now with its contents


class CustomerDataExportDownloadByExternalIdView(CustomerDataExportDownloadView):
    @extend_schema(
        operation_id="customer_data_export_download_by_external_id",
        summary="One file of a ready export (`download.json` or `download.csv`), the customer found by your own id",
        description=DOWNLOAD_DESCRIPTION,
        parameters=[EXTERNAL_ID, DOWNLOAD_FORMAT],
        responses=DOWNLOAD_RESPONSES,
    )
    def get(self, request, external_id: str, export_id: int, fmt: str):
        return super().get(request, export_id=export_id, fmt=fmt, external_id=external_id)
