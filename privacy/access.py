"""Who may reach an export: its customer (signed in). Staff reach one through
support.access.data_export_get_for_agent."""

from django.http import Http404
from django.utils import timezone

from preferences.models import Customer
from privacy.models import DataExport


def data_export_get_for_customer(*, customer: Customer, export_id: int) -> DataExport:
    export = DataExport.objects.filter(
        pk=export_id,
        customer=customer,
        status=DataExport.Status.READY,
    ).first()
    if export is None:
        raise Http404
    return export


def data_export_status_get_for_customer(*, customer: Customer, export_id: int) -> DataExport:
    """An export of the signed-in customer still kept, whatever its status (its progress is read
    while it is prepared); 404 for anyone else's, exactly as for one that does not exist."""
    export = (
        DataExport.objects.filter(
            pk=export_id,
            customer=customer,
            expires_at__gt=timezone.now(),
        )
        .defer("json_content", "csv_content")
        .first()
    )
    if export is None:
        raise Http404
    return export
