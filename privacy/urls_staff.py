"""Under /support/customers/<customer_id>/privacy/ (staff MFA applies to every /support/ path)."""

from django.urls import path

from privacy import views_staff

app_name = "privacy_staff"

urlpatterns = [
    path("", views_staff.staff_privacy, name="privacy"),
    path("exports/", views_staff.staff_export_request, name="export_request"),
    path("exports/<int:export_id>/download.<str:fmt>", views_staff.staff_export_download, name="export_download"),
    path("erase/", views_staff.staff_erase, name="erase"),
]
