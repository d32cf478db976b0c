"""Under /support/customers/<customer_id>/privacy/ (staff MFA applies to every /support/ path)."""

from django.urls import path

from support import views_approvals, views_privacy

app_name = "privacy_staff"

urlpatterns = [
    path("", views_privacy.staff_privacy, name="privacy"),
    path("exports/", views_privacy.staff_export_request, name="export_request"),
    path("exports/<int:export_id>/download.<str:fmt>", views_privacy.staff_export_download, name="export_download"),
    path("erase/", views_privacy.staff_erase, name="erase"),
    path("approvals/", views_approvals.approval_request, name="approval_request"),
]
