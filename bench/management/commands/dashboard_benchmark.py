"""Measure the supervisors' dashboard on a large customer base.

Seeds customers by a fast path (bulk inserts of customers, choices and requests, without ledger
events: a benchmark fixture, not real data), then renders the dashboard page and reports its time
and query count. Run it on a throw-away database, for example:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py dashboard_benchmark --customers 100000
"""

import random
import time
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.roles import SUPERVISOR, role_grant
from contact_requests.models import ContactRequest
from preferences.domain import DEFAULT_CHANNEL_RANKING
from preferences.models import Customer, Subscription, Topic

BATCH = 5000


class Command(BaseCommand):
    help = "Seed N customers by a fast path (if fewer exist) and time the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, customers: int, runs: int, **options):
        existing = Customer.objects.count()
        if existing < customers:
            started = time.perf_counter()
            self._seed(customers - existing, start=existing)
            self.stdout.write(f"seeded {customers - existing} customers in {time.perf_counter() - started:.1f} s")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(self._supervisor())
        for run in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/support/dashboard/")
                elapsed = time.perf_counter() - started
            self.stdout.write(
                f"run {run + 1}: status {response.status_code}, {elapsed * 1000:.0f} ms, {len(queries)} queries, "
                f"{Customer.objects.count()} customers, {ContactRequest.objects.count()} requests"
            )

    def _supervisor(self) -> User:
        user, created = User.objects.get_or_create(email="bench-supervisor@example.com")
        if created:
            role_grant(user, SUPERVISOR)
            TOTP.activate(user, "JBSWY3DPEHPK3PXP")
        return user

    def _seed(self, count: int, *, start: int) -> None:
        rng = random.Random(2026)
        topics = {topic.code: topic for topic in Topic.objects.all()}
        now = timezone.now()
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            with transaction.atomic():
                created = Customer.objects.bulk_create(
                    [
                        Customer(
                            external_id=f"BENCH-{start + offset + index:08d}",
                            first_name="Bench",
                            last_name=f"Customer {start + offset + index}",
                            channel_ranking=list(DEFAULT_CHANNEL_RANKING),
                            ai_default=rng.choice(["ai_allowed", "human_reviewed", "human_reviewed", "human_only"]),
                            assistance_mode=rng.choice(["human_first", "bot_ok"]),
                            marketing_objection=rng.random() < 0.05,
                            topic_settings={"billing": {"paper_copy": True}} if rng.random() < 0.3 else {},
                        )
                        for index in range(size)
                    ]
                )
                subscriptions = []
                requests = []
                for customer in created:
                    subscriptions.append(
                        Subscription(customer=customer, topic=topics["offers"], channel="email",
                                     status=rng.choice(["in", "out"]))
                    )
                    subscriptions.append(
                        Subscription(customer=customer, topic=topics["newsletter"], channel="email",
                                     status=rng.choice(["in", "out", "out"]))
                    )
                    if rng.random() < 0.05:
                        created_at = now - timedelta(hours=rng.randint(0, 24 * 7 * 12))
                        answered = rng.random() < 0.8
                        requests.append(
                            ContactRequest(
                                customer=customer,
                                reason="Benchmark request",
                                preferred_channel=rng.choice(["phone", "email", "video", "messaging"]),
                                status="completed" if answered else "open",
                                due_at=created_at + timedelta(hours=48),
                                answered_at=created_at + timedelta(hours=rng.randint(1, 72)) if answered else None,
                                created_by_type="customer",
                            )
                        )
                Subscription.objects.bulk_create(subscriptions)
                ContactRequest.objects.bulk_create(requests)
                # created_at is auto_now_add: spread the requests over the weeks afterwards.
                for contact_request in requests:
                    contact_request.created_at = contact_request.due_at - timedelta(hours=48)
                ContactRequest.objects.bulk_update(requests, ["created_at"])
