"""`make run PORT=…`: the development runner binds that port and mails links to it unless SITE_URL is set."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _run_dev():
    spec = importlib.util.spec_from_file_location("run_dev", ROOT / "scripts" / "run_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_port_defaults_to_8000_and_site_url_follows_it():
    port, env = _run_dev().run_environment({"PATH": "/usr/bin"})
    assert (port, env["SITE_URL"], env["PORT"]) == (8000, "http://127.0.0.1:8000", "8000")
    assert env["DJANGO_SETTINGS_MODULE"] == "portal.settings.dev"


def test_port_moves_the_site_and_the_links_in_emails():
    port, env = _run_dev().run_environment({"PORT": "8101"})
    assert (port, env["SITE_URL"]) == (8101, "http://127.0.0.1:8101")


def test_a_site_url_that_is_set_is_kept():
    _port, env = _run_dev().run_environment({"PORT": "8101", "SITE_URL": "https://dev.example.com"})
    assert env["SITE_URL"] == "https://dev.example.com"


@pytest.mark.parametrize("value", ["http", "-1", "0", "70000", "80 80"])
def test_a_port_that_is_not_one_is_refused(value):
    module = _run_dev()
    with pytest.raises(module.PortError, match="PORT must be a number"):
        module.run_environment({"PORT": value})


def test_the_runner_says_so_and_exits_on_a_bad_port():
    env = {**os.environ, "PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "scripts/run_dev.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "PORT must be a number" in result.stderr


def test_the_dev_settings_derive_site_url_from_port():
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    for extra, expected in [
        ({"PORT": "8101"}, "http://127.0.0.1:8101"),
        ({"PORT": "8101", "SITE_URL": "https://x.test"}, "https://x.test"),
    ]:
        env = {key: value for key, value in os.environ.items() if key not in ("SITE_URL", "PORT")}
        env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.dev", **extra})
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.stdout.strip() == expected, result.stderr
