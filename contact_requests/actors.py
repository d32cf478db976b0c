"""Who acts on a contact request, and the errors its services raise (kept apart so that services
stay about the rules)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import is_staff_member
from preferences.domain import ActorType
from preferences.models import Customer


class ContactRequestError(ValidationError):
    """A request or a change that breaks a rule; messages keyed by field, in the active language."""


class ContactRequestLimitReached(ContactRequestError):
    """The customer already has MAX_ACTIVE_PER_CUSTOMER requests in progress (a state, not bad input).
    The message is the customer's; `count` and `limit` let another surface word it for its own reader."""

    def __init__(self, message: dict, *, count: int, limit: int):
        super().__init__(message)
        self.count = count
        self.limit = limit


class ContactRequestTaken(ContactRequestError):
    """The customer tries to change or cancel a request a member of staff has already taken."""


class ContactRequestUnreachable(ContactRequestError):
    """The customer has no usable contact point for the channel asked for: nobody could keep the promise."""

    def __init__(self, message: dict, *, channel: str, reachable: Sequence[str]):
        super().__init__(message)
        self.channel = channel
        self.reachable = list(reachable)


class ContactRequestForbidden(PermissionDenied):
    """The actor may not make this change (e.g. an API client completing a request)."""


@dataclass(frozen=True)
class Actor:
    """Who acts on a request; recorded on its events. Staff actors carry their User."""

    type: str
    id: str = ""
    user: Any = None

    @classmethod
    def staff(cls, user) -> "Actor":
        return cls(type=ActorType.STAFF, id=str(user.pk), user=user)

    @classmethod
    def customer(cls, customer: Customer) -> "Actor":
        return cls(type=ActorType.CUSTOMER, id=str(customer.user_id or ""))

    @classmethod
    def api_client(cls, client_id: str) -> "Actor":
        return cls(type=ActorType.API_CLIENT, id=str(client_id))

    @classmethod
    def system(cls) -> "Actor":
        return cls(type=ActorType.SYSTEM)

    @property
    def is_staff_person(self) -> bool:
        return self.type == ActorType.STAFF and self.user is not None and is_staff_member(self.user)
