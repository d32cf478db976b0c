"""Audience jobs and their chunks: a contact plan for every customer of the base, in customer-id ranges
that any worker may take, each chunk keeping its part of the file.

The files are kept in the database (each chunk's part, one gzip member of NDJSON lines), not on a
disk: workers on several machines write them and web processes on others stream them with no shared
file system, and deleting a job's chunks deletes its files. Gzip members one after the other are one
valid gzip file (RFC 1952, 2.2), so the download is the chunks' parts in order, never rewritten.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from preferences.models import Topic


class AudienceJob(models.Model):
    """Whom a campaign about a topic may reach, and how: asked by another system, prepared by workers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a worker")
        RUNNING = "running", _("being prepared")
        READY = "ready", _("ready to download")
        FAILED = "failed", _("failed")
        DELETED = "deleted", _("deleted after its keeping time")

    class Include(models.TextChoices):
        CONTACTABLE = "contactable", _("only customers who may be contacted")
        ALL = "all", _("every customer, with the reasons")

    requested_by_type = models.CharField(max_length=16)
    requested_by_id = models.CharField(max_length=100)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    ai_generated = models.BooleanField()
    at = models.DateTimeField(help_text=_("The moment the plans are decided for."))
    include = models.CharField(max_length=16, choices=Include.choices)
    channels = models.JSONField(default=list, blank=True, help_text=_("Only customers reachable on one of these."))
    language = models.CharField(max_length=2, blank=True)
    updated_since = models.DateTimeField(null=True, blank=True)
    personal = models.BooleanField(help_text=_("Whether the file carries addresses (the requester's scope)."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveBigIntegerField(help_text=_("Customers to examine, counted when the job was created."))
    done = models.PositiveBigIntegerField(default=0, help_text=_("Customers examined (kept once the job is over)."))
    counts = models.JSONField(default=dict, blank=True, help_text=_("Kept once the job is over."))
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True, help_text=_("The job's files are deleted then."))
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audience job")
        verbose_name_plural = _("audience jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by_type", "requested_by_id", "status"], name="audience_requester_idx")
        ]

    def __str__(self) -> str:
        return f"audience #{self.pk} ({self.topic_id}): {self.status}"

    @property
    def is_in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class AudienceChunk(models.Model):
    """The customers with id_from <= id < id_to of one job: taken by one worker at a time, under a
    lease that its heartbeat extends; a lease that runs out (a worker lost) lets another take it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a worker")
        RUNNING = "running", _("taken by a worker")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.ForeignKey(AudienceJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    id_from = models.BigIntegerField()
    id_to = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Each taking counts one attempt; a worker's writes name the attempt they belong to, so that one
    # that lost its lease can no longer write over the worker that took the chunk after it.
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField()
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    content = models.BinaryField(default=b"", help_text=_("This chunk's part of the file: one gzip member."))

    class Meta:
        verbose_name = _("audience chunk")
        verbose_name_plural = _("audience chunks")
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="audience_chunk_unique_index")]
        indexes = [models.Index(fields=["status", "lease_until"], name="audience_chunk_lease_idx")]

    def __str__(self) -> str:
        return f"chunk {self.index} of audience #{self.job_id}: {self.status}"
