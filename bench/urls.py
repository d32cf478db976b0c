"""The site's URLs plus /bench/ping: only ROOT_URLCONF of portal.settings.bench includes this."""

from django.urls import path

from bench.views import ping
from portal.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench/ping", ping, name="bench-ping"), *site_urlpatterns]
