"""Per-client rate limits: a fixed budget per minute, shared by every key of the client."""

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiClient


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def allow_request(self, request, view):
        client = request.user
        if isinstance(client, ApiClient) and client.rate_limit_per_minute:
            self.num_requests, self.duration = client.rate_limit_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        client = request.user
        if not isinstance(client, ApiClient):
            return None  # refused before throttling: authentication and scopes come first
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
