from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("my/requests/", include("contact_requests.urls")),
    path("my/privacy/", include("privacy.urls")),
    path("my/", include("preferences.urls")),
    path("support/customers/<int:customer_id>/privacy/", include("privacy.urls_staff")),
    path("support/", include("support.urls")),
    path("unsubscribe/", include("links.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
