"""A customer's contact points through the API: add (email, phone stated mobile or landline, structured
postal address, app installation, messaging account on its service), record that another system verified
one (who and how) or change a phone's type, remove; each a ledger change answered with the new document
and its ETag."""


from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from api import document_out
from api import serializers as s
from api.access import (
    customer_get_by_external_id_for_api_client,
    customer_get_for_api_client,
    document_get_for_api_client,
)
from api.customers import EXTERNAL_ID
from api.fields import StrictBooleanField, StrictCharField
from api.models import Scope
from api.schema import problems
from api.views import ApiView, change_context, document_response
from preferences.contact_points import (
    contact_point_add,
    contact_point_change,
    contact_point_import,
    contact_point_remove,
    messaging_value,
)
from preferences.domain import ContactPointKind, MessagingService, PhoneType
from preferences.ledger import CustomerErased
from preferences.models import ContactPoint, Customer
from preferences.state import PreferenceError


class ContactPointInSerializer(s.StrictSerializer):
    kind = serializers.ChoiceField(choices=ContactPointKind.choices)
    value = StrictCharField(
        max_length=254,
        required=False,
        help_text="The email address, phone number, app installation id (letters, digits and `._:-`, up to 200) "
        "or messaging handle (a mobile number for WhatsApp, RCS and Viber; a user name otherwise).",
    )
    address = s.PostalAddressSerializer(required=False, help_text="For kind `postal`, instead of value.")
    service = serializers.ChoiceField(
        choices=MessagingService.choices, required=False, help_text="For kind `messaging`: the service of the handle."
    )
    phone_type = serializers.ChoiceField(
        choices=PhoneType.choices,
        required=False,
        help_text="For kind `phone`: what the number is, over what its range says. A landline never gets SMS.",
    )
    verified = StrictBooleanField(
        required=False, default=False, help_text="Your system verified it (say how in verified_by)."
    )
    verified_by = StrictCharField(
        max_length=200, required=False, help_text="Who verified it and how, e.g. `CRM double opt-in 2026-11-30`."
    )
    send_verification = StrictBooleanField(
        required=False, default=False, help_text="Send the customer a code to verify an email or phone (not verified)."
    )

    def validate(self, data):
        errors = {}
        if data["kind"] == ContactPointKind.POSTAL:
            if "address" not in data:
                errors["address"] = [_("A postal address is given as address: lines, postcode, city, country.")]
            if "value" in data:
                errors["value"] = [_("Give a postal address as address, not value.")]
        else:
            if "value" not in data:
                errors["value"] = [_("This field is required.")]
            if "address" in data:
                errors["address"] = [_("Only a postal address takes address.")]
        if (data["kind"] == ContactPointKind.MESSAGING) != ("service" in data):
            key = "service" if data["kind"] == ContactPointKind.MESSAGING else "kind"
            errors[key] = [_("A messaging account, and only one, names its service.")]
        if "phone_type" in data and data["kind"] != ContactPointKind.PHONE:
            errors["phone_type"] = [_("Only a phone number is mobile or landline.")]
        if data["verified"] and not data.get("verified_by"):
            errors["verified_by"] = [_("Say who verified it and how.")]
        if data["send_verification"] and (
            data["verified"] or data["kind"] not in (ContactPointKind.EMAIL, ContactPointKind.PHONE)
        ):
            errors["send_verification"] = [_("Only an email or phone that is not verified can be sent a code.")]
        if errors:
            raise ValidationError(errors)
        return data


@extend_schema_field({"type": "boolean", "enum": [True]})
class TrueField(StrictBooleanField):
    """A boolean that can only be true (the schema says so: `enum: [true]`)."""


class ContactPointChangeSerializer(s.StrictSerializer):
    verified = TrueField(
        required=False, help_text="Only true, with verified_by: a verification is recorded, never taken back."
    )
    verified_by = StrictCharField(max_length=200, required=False, help_text="Who verified it and how.")
    phone_type = serializers.ChoiceField(
        choices=PhoneType.choices,
        required=False,
        help_text="Only for a phone: what the number is (a landline never gets SMS). 400 for another kind.",
    )

    def validate_verified(self, value):
        if value is not True:
            raise ValidationError(_("A verification cannot be taken back: remove the contact point instead."))
        return value

    def validate(self, data):
        if "verified" in data and not data.get("verified_by"):
            raise ValidationError({"verified_by": [_("Say who verified it and how.")]})
        if "verified_by" in data and "verified" not in data:
            raise ValidationError({"verified": [_("verified_by goes with verified: true.")]})
        if not data:
            raise ValidationError({"verified": [_("Give verified with verified_by, or phone_type, or both.")]})
        return data


def _document_answer(request, customer_id: int, *, status_code: int = 200) -> Response:
    document = document_get_for_api_client(client=request.user, customer_id=customer_id)
    return document_response(request, document, status_code=status_code)


ADD_SCHEMA = dict(
    summary="Add a contact point to a customer",
    description="An email, a phone number (mobile or landline: as the number says, or as `phone_type` states; "
    "only a mobile receives SMS and messaging), a postal address (structured, validated), an app installation "
    "id, or a messaging account (`service` and its handle in `value`, stored as `<service>:<handle>`). `verified` with `verified_by` records that your system verified it; "
    "`send_verification` sends the customer a code instead. Answers the document with its new version.",
    request=ContactPointInSerializer,
    responses={201: document_out.PreferenceDocumentOutSerializer, **problems(400, 404, 415)},
    examples=[
        OpenApiExample(
            "A postal address",
            value={
                "kind": "postal",
                "address": {"lines": ["Camille Martin", "12 rue des Lilas"], "postcode": "69003", "city": "Lyon"},
                "verified": True,
                "verified_by": "CRM: address from the signed contract",
            },
            request_only=True,
        ),
        OpenApiExample(
            "A WhatsApp account",
            value={"kind": "messaging", "service": "whatsapp", "value": "+33612345678", "verified": True,
                   "verified_by": "WhatsApp Business opt-in 2026-11-30"},
            request_only=True,
        ),
        OpenApiExample(
            "A fixed box on a mobile range: a landline",
            value={"kind": "phone", "value": "06 12 34 56 78", "phone_type": "landline"},
            request_only=True,
        ),
    ],
)


class ContactPointListView(ApiView):
    required_scopes = {"POST": Scope.CUSTOMERS_WRITE}

    @extend_schema(operation_id="contact_point_add", **ADD_SCHEMA)
    def post(self, request, customer_id: int):
        customer = customer_get_for_api_client(client=request.user, customer_id=customer_id)
        serializer = ContactPointInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kind"] == ContactPointKind.POSTAL:
            value = s.postal_value(data["address"])
        elif data["kind"] == ContactPointKind.MESSAGING:
            value = messaging_value(service=data["service"], handle=data["value"])
        else:
            value = data["value"]
        phone_type = data.get("phone_type", "")
        try:
            if data["send_verification"]:
                contact_point_add(
                    customer_id=customer.pk,
                    kind=data["kind"],
                    value=value,
                    phone_type=phone_type,
                    context=change_context(request),
                )
            else:
                contact_point_import(
                    customer_id=customer.pk,
                    kind=data["kind"],
                    value=value,
                    phone_type=phone_type,
                    verified=data["verified"],
                    context=change_context(request, evidence=data.get("verified_by", "")),
                )
        except (Customer.DoesNotExist, CustomerErased):
            raise NotFound() from None
        except PreferenceError as error:
            raise ValidationError(error.message_dict) from None
        return _document_answer(request, customer.pk, status_code=201)


CHANGE_SCHEMA = dict(
    summary="Record that your system verified a contact point, or change a phone's type",
    description="`verified: true` with `verified_by` records a verification (who and how); `phone_type` "
    "states whether a phone is a mobile or a landline (only a mobile gets SMS). Both at once are one change, "
    "in the ledger. A phone_type for another kind of contact point is a 400. Nothing new (verified already, "
    "the same type): the document as it is, same version.",
    request=ContactPointChangeSerializer,
    responses={200: document_out.PreferenceDocumentOutSerializer, **problems(400, 404, 415)},
    examples=[
        OpenApiExample("Verified by the CRM", value={"verified": True, "verified_by": "SMS code at the CRM"},
                       request_only=True),
        OpenApiExample("A landline after all", value={"phone_type": "landline"}, request_only=True),
    ],
)

REMOVE_SCHEMA = dict(
    summary="Remove a contact point",
    description="The email a customer signs in to the portal with cannot be removed (400).",
    responses={200: document_out.PreferenceDocumentOutSerializer, **problems(400, 404)},
)


class ContactPointDetailView(ApiView):
    required_scopes = {"PATCH": Scope.CUSTOMERS_WRITE, "DELETE": Scope.CUSTOMERS_WRITE}

    @extend_schema(operation_id="contact_point_change", **CHANGE_SCHEMA)
    def patch(self, request, customer_id: int, contact_point_id: int):
        customer = customer_get_for_api_client(client=request.user, customer_id=customer_id)
        serializer = ContactPointChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            contact_point_change(
                customer_id=customer.pk,
                contact_point_id=contact_point_id,
                verified=data.get("verified", False),
                phone_type=data.get("phone_type", ""),
                context=change_context(request, evidence=data.get("verified_by", "")),
            )
        except (Customer.DoesNotExist, CustomerErased, ContactPoint.DoesNotExist):
            raise NotFound() from None
        except PreferenceError as error:
            raise ValidationError(error.message_dict) from None
        return _document_answer(request, customer.pk)

    @extend_schema(operation_id="contact_point_remove", **REMOVE_SCHEMA)
    def delete(self, request, customer_id: int, contact_point_id: int):
        s.NoBodySerializer(data=request.data or {}).is_valid(raise_exception=True)  # a body is refused, not ignored
        customer = customer_get_for_api_client(client=request.user, customer_id=customer_id)
        try:
            contact_point_remove(
                customer_id=customer.pk, contact_point_id=contact_point_id, context=change_context(request)
            )
        except (Customer.DoesNotExist, CustomerErased, ContactPoint.DoesNotExist):
            raise NotFound() from None
        except PreferenceError as error:
            raise ValidationError(error.message_dict) from None
        return _document_answer(request, customer.pk)


# --- The same, found by the client's own id -------------------------------------------------------------


class ContactPointByExternalIdListView(ContactPointListView):
    """Adding a contact point to a customer found by the client's own id: the same answers as by id."""

    @extend_schema(operation_id="contact_point_add_by_external_id", parameters=[EXTERNAL_ID], **ADD_SCHEMA)
    def post(self, request, external_id: str):
        customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
        return super().post(request, customer_id=customer.pk)


class ContactPointByExternalIdDetailView(ContactPointDetailView):
    """A contact point of a customer found by the client's own id: the same answers as by id."""

    @extend_schema(operation_id="contact_point_change_by_external_id", parameters=[EXTERNAL_ID], **CHANGE_SCHEMA)
    def patch(self, request, external_id: str, contact_point_id: int):
        customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
        return super().patch(request, customer_id=customer.pk, contact_point_id=contact_point_id)

    @extend_schema(operation_id="contact_point_remove_by_external_id", parameters=[EXTERNAL_ID], **REMOVE_SCHEMA)
    def delete(self, request, external_id: str, contact_point_id: int):
        customer = customer_get_by_external_id_for_api_client(client=request.user, external_id=external_id)
        return super().delete(request, customer_id=customer.pk, contact_point_id=contact_point_id)
