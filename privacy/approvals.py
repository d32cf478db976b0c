"""Four eyes on data rights: an agent asks for a customer's export or erasure; a supervisor other than
the requester approves it (the export or erasure then runs, in the same transaction) or refuses it.
Supervisors may still act directly (privacy.services); either way, who asked, who decided and why is
kept: on the approval row, and on the DataExport or Erasure row it led to."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import is_staff_member, is_supervisor, supervisor_emails
from notifications.services import email_enqueue
from preferences.ledger import reason_given
from preferences.models import Customer
from preferences.state import PreferenceError
from privacy.models import DataRightsApproval, RequestedBy
from privacy.services import customer_erase, data_export_request

Kind = DataRightsApproval.Kind
Status = DataRightsApproval.Status
REASON_MAX_LENGTH = 1000


class ApprovalForbidden(PreferenceError):
    """The person may not make this request or decision (not staff, not a supervisor, their own request)."""


def data_rights_approval_request(
    *, customer_id: int, kind: str, requester, reason: str, now: datetime | None = None
) -> DataRightsApproval:
    """A member of staff asks for a customer's export or erasure; it waits for a supervisor. Asking again
    for the same thing while one waits returns the waiting one."""
    if not is_staff_member(requester):
        raise ApprovalForbidden({"requester": _("Only support staff can ask for this.")})
    if kind not in Kind.values:
        raise PreferenceError({"kind": _("Choose a download or an erasure.")})
    reason = (reason or "").strip()
    if not reason_given(reason):
        raise PreferenceError({"reason": _("Say why the customer's data should be exported or erased.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise PreferenceError({"reason": _("Keep it under %(max)s characters.") % {"max": REASON_MAX_LENGTH}})
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.erased_at is not None:
            raise PreferenceError({"customer": _("This customer's data has been erased.")})
        waiting = DataRightsApproval.objects.filter(customer=customer, kind=kind, status=Status.PENDING).first()
        if waiting is not None:
            return waiting
        approval = DataRightsApproval.objects.create(
            customer=customer, kind=kind, requested_by=requester, reason=reason, requested_at=now or timezone.now()
        )
        _supervisors_tell(approval)
        return approval


def _supervisors_tell(approval: DataRightsApproval) -> None:
    """Email the supervisors who may decide (not the one who asked) that a request waits for them, with
    its link: no reason and nothing about the customer but their number, which the page shows to staff."""
    addresses = [address for address in supervisor_emails() if address != approval.requested_by.email]
    if not addresses:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("support:approval_detail", args=[approval.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            _("An export of customer data waits for your approval")
            if approval.kind == Kind.EXPORT
            else _("An erasure of customer data waits for your approval")
        )
        body = render_to_string("privacy/email/approval_requested.txt", {"approval": approval, "url": url})
    email_enqueue(message=EmailMessage(subject=subject, body=body, to=addresses), language=settings.LANGUAGE_CODE)


def data_rights_approval_decide(
    *, approval_id: int, supervisor, approve: bool, reason: str, now: datetime | None = None
) -> DataRightsApproval:
    """A supervisor, not the one who asked, approves (the export or erasure runs at once, on behalf of
    the requester, in this transaction) or refuses, saying why. A decided request cannot be decided again."""
    if not is_supervisor(supervisor):
        raise ApprovalForbidden({"supervisor": _("Only a supervisor can approve or refuse this.")})
    reason = (reason or "").strip()
    if not reason_given(reason):
        raise PreferenceError({"reason": _("Say why you approve or refuse.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise PreferenceError({"reason": _("Keep it under %(max)s characters.") % {"max": REASON_MAX_LENGTH}})
    with transaction.atomic():
        approval = DataRightsApproval.objects.select_for_update().select_related("requested_by").get(pk=approval_id)
        if approval.status != Status.PENDING:
            raise PreferenceError(
                {"status": _("This request was already decided (%(status)s).") % {"status": approval.get_status_display()}}
            )
        if approval.requested_by_id == supervisor.pk:
            raise ApprovalForbidden({"supervisor": _("Another supervisor must decide on your own request.")})
        approval.status = Status.APPROVED if approve else Status.REFUSED
        approval.decided_by = supervisor
        approval.decision_reason = reason
        approval.decided_at = now or timezone.now()
        if approve:
            _carry_out(approval)
        approval.save(update_fields=["status", "decided_by", "decision_reason", "decided_at", "export"])
    return approval


def _carry_out(approval: DataRightsApproval) -> None:
    """Run what was approved, recorded as asked by the requester, with both people and reasons."""
    recorded = _("%(reason)s (asked by %(requester)s; approved by %(supervisor)s: %(decision)s)") % {
        "reason": approval.reason,
        "requester": approval.requested_by.email,
        "supervisor": approval.decided_by.email,
        "decision": approval.decision_reason,
    }
    requester_id = str(approval.requested_by_id)
    if approval.kind == Kind.EXPORT:
        approval.export = data_export_request(
            customer_id=approval.customer_id,
            requested_by_type=RequestedBy.STAFF,
            requested_by_id=requester_id,
            reason=recorded,
        )
    else:
        customer_erase(
            customer_id=approval.customer_id,
            requested_by_type=RequestedBy.STAFF,
            requested_by_id=requester_id,
            reason=recorded,
        )
