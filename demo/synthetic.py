"""Synthetic customers with realistic preferences (Faker), for demos, load tests and the dashboard."""

import random

from faker import Faker

from preferences.changes import preferences_change
from preferences.contact_points import contact_point_import
from preferences.customers import customer_create
from preferences.domain import ActorType, ContactPointKind, Source
from preferences.ledger import ChangeContext
from preferences.models import Customer


def synthetic_customers_create(*, count: int, seed: int = 2026) -> int:
    """Create `count` customers through the services (so the ledger holds their history too)."""
    fake = Faker("fr_FR")
    Faker.seed(seed)
    rng = random.Random(seed)
    context = ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT, reason="synthetic data")
    start = Customer.objects.count()
    for index in range(count):
        customer = customer_create(
            external_id=f"SYN-{start + index:08d}",
            email=f"client{start + index}@example.net",
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            language=rng.choice(["fr", "fr", "fr", "en"]),
            email_verified=True,
            context=context,
        )
        contact_point_import(
            customer_id=customer.pk,
            kind=ContactPointKind.POSTAL,
            value=f"{fake.street_address()}\n{fake.postcode()} {fake.city()}",
            context=context,
        )
        changes = {
            "customer.ai_default": rng.choice(["ai_allowed", "human_reviewed", "human_reviewed", "human_only"]),
            "customer.assistance_mode": rng.choice(["human_first", "bot_ok"]),
            "subscription.offers.email": rng.choice(["in", "out"]),
            "subscription.newsletter.email": rng.choice(["in", "out", "out"]),
            "topic.billing.paper_copy": rng.random() < 0.3,
        }
        preferences_change(customer_id=customer.pk, changes=changes, context=context)
    return count
