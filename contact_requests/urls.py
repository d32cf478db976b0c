"""The customer's contact request pages (/my/requests/…)."""

from django.urls import path

from contact_requests import views

app_name = "contact_requests"

urlpatterns = [
    path("", views.contact_request_list, name="list"),
    path("<int:contact_request_id>/cancel/", views.contact_request_cancel, name="cancel"),
    path("<int:contact_request_id>/change/", views.contact_request_change, name="change"),
]
