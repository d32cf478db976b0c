"""The customer's data rights pages (/my/privacy/: download my data, delete my account)."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy, name="privacy"),
    path("exports/", views.export_request, name="export_request"),
    path("exports/<int:export_id>/status", views.export_status, name="export_status"),
    path("exports/<int:export_id>/download.<str:fmt>", views.export_download, name="export_download"),
    path("delete/", views.account_delete, name="account_delete"),
]
