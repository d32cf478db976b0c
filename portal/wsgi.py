"""WSGI entry point (gunicorn portal.wsgi): Django, with the API's ordinary document read and contact plan
answered in front of it (api.fast_path; anything else reaches Django untouched)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
django_application = get_wsgi_application()

from api.fast_path import FastPathApplication  # noqa: E402 - models load once Django is set up, above

application = FastPathApplication(django_application)
