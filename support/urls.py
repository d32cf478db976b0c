"""The support console's URLs (/support/…)."""

from django.urls import path

from support import views, views_approvals, views_me

app_name = "support"

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/override/", views.customer_override, name="customer_override"),
    path("requests/", views.request_queue, name="request_queue"),
    path("requests/<int:contact_request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:contact_request_id>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:contact_request_id>/schedule/", views.request_schedule, name="request_schedule"),
    path("requests/<int:contact_request_id>/complete/", views.request_complete, name="request_complete"),
    path("requests/<int:contact_request_id>/unreachable/", views.request_unreachable, name="request_unreachable"),
    path("approvals/", views_approvals.approval_list, name="approval_list"),
    path("approvals/<int:approval_id>/", views_approvals.approval_detail, name="approval_detail"),
    path("approvals/<int:approval_id>/decide/", views_approvals.approval_decide, name="approval_decide"),
    path("me/", views_me.staff_settings, name="staff_settings"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
]
