"""Publishing versioned notices (privacy notice, "how we use AI" statement)."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from preferences.catalog import notice_versions_invalidate
from preferences.models import Notice


def notice_publish(*, kind: str, body_fr: str, body_en: str, published_by=None) -> Notice:
    """Publish the next version of a notice; earlier versions stay as they were."""
    with transaction.atomic():
        # Lock the existing versions of this kind so that two publications cannot take one number.
        list(Notice.objects.select_for_update().filter(kind=kind).values_list("pk", flat=True))
        latest = Notice.objects.filter(kind=kind).aggregate(latest=Max("version"))["latest"] or 0
        notice_versions_invalidate()  # events record the version in force
        return Notice.objects.create(
            kind=kind,
            version=latest + 1,
            body_fr=body_fr,
            body_en=body_en,
            published_at=timezone.now(),
            published_by=published_by,
        )
