"""The one-click link pages: /unsubscribe/<token>/ and /confirm/<token>/ (double opt-in)."""

from django.urls import path

from links import views

app_name = "links"

urlpatterns = [
    # Unsubscribe links, and the confirmation links sent before /confirm/ existed (still in mailboxes).
    path("unsubscribe/<str:token>/", views.one_click, name="one_click"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
