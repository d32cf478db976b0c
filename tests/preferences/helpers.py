import re

from notifications import sms
from notifications.models import OutboundMessage
from preferences.contact_points import contact_point_add, contact_point_verify
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext

CUSTOMER = ChangeContext(actor_type=ActorType.CUSTOMER, source=Source.PORTAL)


def sms_code() -> str:
    """The code in the last SMS queued (the outbox row holds it even before the worker sends it)."""
    body = OutboundMessage.objects.filter(channel="sms").latest("id").body
    return re.search(r"(\d{6})", body).group(1)


def add_verified_phone(customer, number: str):
    point = contact_point_add(customer_id=customer.pk, kind=ContactPointKind.PHONE, value=number, context=CUSTOMER)
    contact_point_verify(customer_id=customer.pk, contact_point_id=point.pk, code=sms_code(), context=CUSTOMER)
    point.refresh_from_db()
    return point


__all__ = ["add_verified_phone", "sms_code", "sms"]
