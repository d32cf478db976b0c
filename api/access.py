"""Which objects an API client may reach. Every client of the company sees every customer whose data
has not been erased; what it may see of them depends on its scopes (see representations)."""

from rest_framework.exceptions import NotFound

from api.models import ApiClient
from api.selectors import customers_active
from preferences.document import PreferenceDocument
from preferences.documents_pg import preference_documents_active
from preferences.models import Customer

MAX_ID = 2**63 - 1


def customer_get_for_api_client(*, client: ApiClient, customer_id: int) -> Customer:
    if customer_id > MAX_ID:
        raise NotFound()
    customer = customers_active().filter(
        pk=customer_id,
    ).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_get_by_external_id_for_api_client(*, client: ApiClient, external_id: str) -> Customer:
    """The same customers as by id, found by the id the client's own system gives them."""
    customer = customers_active().filter(
        external_id=external_id,
    ).first()
    if customer is None:
        raise NotFound()
    return customer


def customer_named_for_api_client(
    *, client: ApiClient, customer_id: int | None = None, external_id: str | None = None
) -> Customer:
    """The customer a request names by one of its two ids: the client's own (`external_id`) or ours."""
    if external_id is not None:
        return customer_get_by_external_id_for_api_client(client=client, external_id=external_id)
    return customer_get_for_api_client(client=client, customer_id=customer_id)


def document_get_for_api_client(*, client: ApiClient, customer_id: int) -> PreferenceDocument:
    """The preference document of a customer the client may reach (one query on PostgreSQL)."""
    documents = preference_documents_active(ids=[customer_id]) if customer_id <= MAX_ID else []
    if not documents:
        raise NotFound()
    return documents[0]
