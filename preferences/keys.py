"""Setting keys: the names of the flat preference state and of the ledger (`customer.<field>`,
`topic.<topic>.<setting>`, `subscription.<topic>.<channel>`, `contact_point.<id>`), parsed and built
in one place."""

from dataclasses import dataclass

CUSTOMER = "customer"
TOPIC = "topic"
SUBSCRIPTION = "subscription"
CONTACT_POINT = "contact_point"


@dataclass(frozen=True)
class SettingKey:
    """One key of the flat state: its kind, then one or two names (`str()` gives the key back)."""

    kind: str
    name: str  # the customer field, the topic code, or the contact point id
    detail: str | None = None  # the topic's setting, or the subscription's channel

    @classmethod
    def parse(cls, key: str) -> "SettingKey | None":
        """The key's parts, or None when it is not two or three names separated by dots."""
        parts = key.split(".")
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        if len(parts) == 3:
            return cls(parts[0], parts[1], parts[2])
        return None

    @classmethod
    def customer(cls, field: str) -> "SettingKey":
        return cls(CUSTOMER, field)

    @classmethod
    def topic(cls, topic_code: str, setting: str) -> "SettingKey":
        return cls(TOPIC, topic_code, setting)

    @classmethod
    def subscription(cls, topic_code: str, channel: str) -> "SettingKey":
        return cls(SUBSCRIPTION, topic_code, channel)

    @classmethod
    def contact_point(cls, contact_point_id: int) -> "SettingKey":
        return cls(CONTACT_POINT, str(contact_point_id))

    @property
    def last(self) -> str:
        """The last name: the customer field, the topic's setting or the channel."""
        return self.name if self.detail is None else self.detail

    def __str__(self) -> str:
        return f"{self.kind}.{self.name}" if self.detail is None else f"{self.kind}.{self.name}.{self.detail}"
