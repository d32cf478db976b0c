"""Who may reach an export: its customer (signed in), or staff for a customer they may see."""

from django.http import Http404

from preferences.models import Customer
from privacy.models import DataExport
from support.access import customer_get_for_agent


def data_export_get_for_customer(*, customer: Customer, export_id: int) -> DataExport:
    export = DataExport.objects.filter(
        pk=export_id,
        customer=customer,
        status=DataExport.Status.READY,
    ).first()
    if export is None:
        raise Http404
    return export


def data_export_get_for_agent(*, user, customer_id: int, export_id: int) -> DataExport:
    customer = customer_get_for_agent(user=user, customer_id=customer_id)
    return data_export_get_for_customer(customer=customer, export_id=export_id)
