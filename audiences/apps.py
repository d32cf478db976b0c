"""The audiences app: a contact plan for a whole customer base, as a job that Celery workers share."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudiencesConfig(AppConfig):
    name = "audiences"
    verbose_name = _("Campaign audiences")
    default_auto_field = "django.db.models.BigAutoField"
