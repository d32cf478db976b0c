"""The benchmark app (`manage.py bench`, `dashboard_benchmark`): only in the dev, test and bench settings."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "bench"
    verbose_name = "Benchmark"
