"""Who may reach an export: its customer (signed in). Staff reach one through
support.access.data_export_get_for_agent."""

from django.http import Http404

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

