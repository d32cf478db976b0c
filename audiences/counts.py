"""An audience's counts as they come: customers examined, listed in the file, allowed now, by channel
(the channels a plan names now) and by reason (why customers may not be contacted now)."""

from collections import Counter
from collections.abc import Iterable
from typing import Any

from preferences.contact_plan import ContactPlan


class AudienceCounts:
    """The counts of one chunk, added to as its plans are decided."""

    def __init__(self) -> None:
        self.examined = 0
        self.listed = 0
        self.allowed = 0
        self.channels: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()

    def add(self, plan: ContactPlan, *, listed: bool) -> None:
        self.examined += 1
        self.listed += listed
        if plan.allowed:
            self.allowed += 1
            self.channels.update(item.channel for item in plan.channels)
        self.reasons.update(plan.reasons)

    def as_dict(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "listed": self.listed,
            "allowed": self.allowed,
            "channels": dict(sorted(self.channels.items())),
            "reasons": dict(sorted(self.reasons.items())),
        }


def counts_merge(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of chunks' counts (an empty chunk's `{}` adds nothing)."""
    total = AudienceCounts()
    for part in parts:
        total.examined += part.get("examined", 0)
        total.listed += part.get("listed", 0)
        total.allowed += part.get("allowed", 0)
        total.channels.update(part.get("channels", {}))
        total.reasons.update(part.get("reasons", {}))
    return total.as_dict()
