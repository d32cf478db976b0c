"""Every URL pattern of the site, read from the URL conf (recursively through includes), with paths
to request built from the objects of a World: B's objects, another API client's, or ids that exist
for nobody."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from links.tokens import token_for
from tests.security.world import B_EXTERNAL_ID, World

MISSING_ID = 999999
ADMIN_NAMESPACE = "admin"


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "<namespace>:<unnamed> <route>" for patterns without a name
    route: str  # the pattern as written, joined through the includes
    arguments: tuple[str, ...]  # the names of the values the path needs

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0] if ":" in self.name else ""


def _arguments(pattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(re.compile(str(pattern.pattern)).groupindex)


def routes_all() -> list[Route]:
    """Every pattern of the URL conf, however deep its include."""

    def walk(patterns, prefix: str, namespace: str, arguments: tuple[str, ...]):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner, arguments + _arguments(pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                base = pattern.name or f"<unnamed> {route}"
                name = f"{namespace}:{base}" if namespace else base
                yield Route(name=name, route=route, arguments=arguments + _arguments(pattern))

    return list(walk(get_resolver().url_patterns, "/", "", ()))


def _values(world: World, route: Route, *, missing: bool) -> dict[str, object]:
    """The value of each path argument: an object of B (or of another API client), or one of nobody."""
    is_api = route.namespace == "api"
    if missing:
        ints = dict.fromkeys(
            ("customer_id", "contact_point_id", "contact_request_id", "export_id", "send_id", "endpoint_id", "delivery_id",
             "audience_id", "approval_id"),
            MISSING_ID,
        )
        return {**ints, "fmt": "json", "kind": "email", "token": token_for("no-such-link-0"),
                "external_id": "NO-SUCH-CUSTOMER", "uidb36": "zz", "key": "no-such-key"}
    return {
        "customer_id": world.customer_b.pk,
        "contact_point_id": world.b_contact_point_id,
        "contact_request_id": world.owner_contact_request_id if is_api else world.b_contact_request_id,
        "export_id": world.b_export_id,
        "approval_id": world.b_approval_id,
        "fmt": "json",
        "kind": "email",
        "token": world.b_confirm_token if route.name == "links:confirm" else world.b_token,
        "send_id": world.owner_send_id,
        "audience_id": world.owner_audience_id,
        "endpoint_id": world.owner_endpoint_id,
        "delivery_id": world.owner_delivery_id,
        "external_id": B_EXTERNAL_ID,
        "uidb36": "zz",
        "key": "no-such-key",
    }


def path_for(world: World, route: Route, *, missing: bool = False) -> str:
    if route.name == "api:not-found":
        return "/api/v1/no-such-resource"
    values = _values(world, route, missing=missing)
    kwargs = {name: values[name] for name in route.arguments}
    return reverse(route.name, kwargs=kwargs)
