"""Demo data and the benchmark are development tools: the production settings do not load them."""

import os
import subprocess
import sys

from django.conf import settings

from portal.settings import base

DEV_ONLY_APPS = {"demo", "bench"}
DEV_ONLY_COMMANDS = {"demo_data", "bench", "dashboard_benchmark"}


def _commands(settings_module: str) -> set[str]:
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": settings_module,
        # Production refuses to start without these; `help` connects to none of them.
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-1234567890",
        "DJANGO_ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_base_settings_do_not_install_the_dev_only_apps():
    assert not DEV_ONLY_APPS & set(base.INSTALLED_APPS)


def test_the_test_settings_install_them():
    assert DEV_ONLY_APPS <= set(settings.INSTALLED_APPS)


def test_production_has_no_demo_or_benchmark_command():
    assert not DEV_ONLY_COMMANDS & _commands("portal.settings.production")
    assert DEV_ONLY_COMMANDS <= _commands("portal.settings.dev")
