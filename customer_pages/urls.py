"""The customer's pages under /my/ (URL names in the "preferences" namespace, as the templates reverse them)."""

from django.urls import path

from customer_pages import marketing, undo, views

app_name = "preferences"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("channels/", views.channels, name="channels"),
    path("channels/add/<str:kind>/", views.contact_point_add, name="contact_point_add"),
    path("channels/<int:contact_point_id>/verify/", views.contact_point_verify, name="contact_point_verify"),
    path("channels/<int:contact_point_id>/resend/", views.contact_point_resend, name="contact_point_resend"),
    path("channels/<int:contact_point_id>/remove/", views.contact_point_remove, name="contact_point_remove"),
    path("channels/ranking/", views.ranking_move, name="ranking_move"),
    path("channels/settings/", views.settings_update, name="settings_update"),
    path("topics/", views.topics, name="topics"),
    path("topics/marketing-objection/", marketing.marketing_objection, name="marketing_objection"),
    path("marketing/", marketing.marketing, name="marketing"),
    path("marketing/pause/", marketing.pause, name="marketing_pause"),
    path("marketing/resume/", marketing.resume, name="marketing_resume"),
    path("marketing/restore/", marketing.restore, name="marketing_restore"),
    path("undo/", undo.undo, name="undo"),
    path("ai/", views.ai, name="ai"),
    path("history/", views.history, name="history"),
]
