"""One-click links: unsubscribe links put in messages, and double opt-in confirmation links."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from preferences.domain import ChannelCode
from preferences.models import Customer, Topic


class LinkPurpose(models.TextChoices):
    UNSUBSCRIBE = "unsubscribe", _("unsubscribe")
    CONFIRM = "confirm", _("confirm a subscription")


class OneClickLink(models.Model):
    """What a one-click link does, for whom, until when. The URL carries only `public_id`, signed.

    A topic and a channel name one subscription; no topic (unsubscribe only) means every marketing
    topic on every channel. Rows are deleted when they expire (beat job) and when the customer's data
    is erased, so that a link in an old message then answers 404.
    """

    public_id = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=16, choices=LinkPurpose.choices)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="one_click_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=16, choices=ChannelCode.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-click link")
        verbose_name_plural = _("one-click links")
        indexes = [
            models.Index(fields=["customer", "purpose", "topic", "channel", "expires_at"], name="one_click_link_reuse_idx")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link {self.public_id[:6]}… for customer {self.customer_id}"
