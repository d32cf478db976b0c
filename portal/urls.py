"""The site's URLs: every app's pages, the API, the admin, health."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from portal import views

# The admin's own login form signs staff in with a password alone: no TOTP and none of allauth's
# rate limits. Everyone signs in through allauth instead; signed-in non-staff get 403 there.
# (Found by tests/security/test_access_matrix.py.)
admin.site.login = secure_admin_login(admin.site.login)

# A database error raised before any view (e.g. in middleware reading the session) is a 503, not a 500.
handler500 = "portal.views.server_error"

urlpatterns = [
    # First: the API takes most of the traffic, and the resolver tries patterns in order (no other
    # pattern starts with api/, so the order changes nothing else).
    path("api/", include("api.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("my/requests/", include("contact_requests.urls")),
    path("my/privacy/", include("privacy.urls")),
    path("my/", include("customer_pages.urls")),
    path("support/customers/<int:customer_id>/privacy/", include("support.urls_privacy")),
    path("support/", include("support.urls")),
    path("", include("links.urls")),  # /unsubscribe/<token>/ and /confirm/<token>/
    path("admin/", admin.site.urls),
]
