"""The one-click link pages (/unsubscribe/…)."""

from django.urls import path

from links import views

app_name = "links"

urlpatterns = [
    path("<str:token>/", views.one_click, name="one_click"),
]
