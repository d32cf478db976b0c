"""What the audiences need from the API surface above them, registered by it at start-up: how a
contact plan is written (the very representation of POST /api/v1/contact-plans) and when marketing
messages were reported sent (the API keeps the sends). audiences must not import the API app."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from preferences.contact_plan import ContactPlan
from preferences.plans import MarketingSendsGet

# plan_line(plan, external_id=..., personal=...) -> one line of JSON, without its newline.
PlanLine = Callable[..., str]

_registered: dict[str, Callable] = {}


def audience_hooks_register(*, plan_line: PlanLine, marketing_sends_get: MarketingSendsGet) -> None:
    """Called once by the API app's AppConfig.ready(), in web and worker processes alike."""
    _registered["plan_line"] = plan_line
    _registered["marketing_sends_get"] = marketing_sends_get


def _hook(name: str) -> Callable:
    try:
        return _registered[name]
    except KeyError:  # never decide without the sends: a missing cap would turn a refusal into a permission
        raise ImproperlyConfigured("The API app registers the audiences' hooks; is it installed?") from None


def plan_line(plan: ContactPlan, *, external_id: str | None, personal: bool) -> str:
    return _hook("plan_line")(plan, external_id=external_id, personal=personal)


def marketing_sends_get(**kwargs):
    return _hook("marketing_sends_get")(**kwargs)
