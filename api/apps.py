from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API for other systems"

    def ready(self) -> None:
        # Registers the OpenAPI description of the API-key authentication with drf-spectacular.
        from api import schema  # noqa: F401
