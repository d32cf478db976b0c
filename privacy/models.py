"""The customer's data rights: exports of their data and erasures (the suppression list is the core's:
preferences.models.SuppressionEntry)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from preferences.models import Customer


class RequestedBy(models.TextChoices):
    CUSTOMER = "customer", _("the customer")
    STAFF = "staff", _("our support team")
    API_CLIENT = "api_client", _("one of our systems")


class DataExport(models.Model):
    """A download of everything we hold about a customer, prepared by a Celery task.

    The files are kept in the database rather than under MEDIA_ROOT: web processes on several
    machines all see them with no shared disk, and erasure deletes them with the customer's rows.
    A beat job deletes them `DATA_EXPORT_KEEP_DAYS` after they were prepared.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be prepared")
        RUNNING = "running", _("being prepared")
        READY = "ready", _("ready to download")
        FAILED = "failed", _("failed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    requested_by_type = models.CharField(max_length=16, choices=RequestedBy.choices)
    requested_by_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True, help_text="Why staff prepared it (staff only).")
    json_content = models.TextField(blank=True)
    csv_content = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export #{self.pk} of customer {self.customer_id}: {self.status}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class Erasure(models.Model):
    """The proof that a customer's personal data was erased: when, by whom, why. Nothing personal."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="erasure")
    erased_at = models.DateTimeField()
    requested_by_type = models.CharField(max_length=16, choices=RequestedBy.choices)
    requested_by_id = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"erasure of customer {self.customer_id}"


class DataRightsApproval(models.Model):
    """Four eyes on a customer's data rights: an agent asks for an export or an erasure, which waits
    until a supervisor other than the requester approves (and it is done at once) or refuses it, each
    with a reason. Rows are never deleted: who asked, who decided, when and why stays on record."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("download of the customer's data")
        ERASURE = "erasure", _("erasure of the customer's personal data")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a supervisor")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="data_rights_approvals")
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    requested_at = models.DateTimeField(_("asked at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The download prepared on approval (deleted with the customer's data, or after its keeping time).
    export = models.ForeignKey(DataExport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("data-rights approval")
        verbose_name_plural = _("data-rights approvals")
        indexes = [models.Index(fields=["status", "requested_at"], name="data_rights_approval_queue_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of customer {self.customer_id}: {self.status}"
