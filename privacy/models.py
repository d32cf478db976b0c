"""The customer's data rights: exports of their data and erasures (the suppression list is the core's:
preferences.models.SuppressionEntry)."""

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
