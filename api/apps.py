from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API for other systems"

    def ready(self) -> None:
        # schema: the OpenAPI description of the API-key authentication, for drf-spectacular;
        # signals: clears the cached keys when a key or a client changes.
        from api import schema, signals  # noqa: F401
