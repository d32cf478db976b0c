"""The benchmark app (`manage.py bench`, `dashboard_benchmark`): only in the dev, test and bench settings."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = _("Benchmark")
