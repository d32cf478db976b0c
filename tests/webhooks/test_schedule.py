"""The retry schedule: exponential, jittered, at least Retry-After, about three days in all."""

import random
from datetime import UTC, datetime, timedelta

from webhooks.schedule import MAX_BACKOFF, retry_after_parse, retry_delay

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_delays_double_within_the_jitter_and_are_capped():
    rng = random.Random(1)
    delays = [retry_delay(attempts=n, base_seconds=30, rng=rng).total_seconds() for n in range(1, 16)]
    for attempt, delay in enumerate(delays, start=1):
        expected = min(30 * 2 ** (attempt - 1), MAX_BACKOFF.total_seconds())
        assert 0.75 * expected <= delay <= 1.25 * expected


def test_the_defaults_retry_for_about_three_days():
    rng = random.Random(2)
    elapsed, attempts = timedelta(0), 1
    while elapsed + (delay := retry_delay(attempts=attempts, base_seconds=30, rng=rng)) <= timedelta(days=3):
        elapsed += delay
        attempts += 1
    assert timedelta(days=2, hours=12) < elapsed <= timedelta(days=3)
    assert 12 <= attempts <= 25


def test_retry_after_in_seconds_or_as_a_date_wins_over_a_shorter_backoff():
    assert retry_after_parse("120", now=NOW) == timedelta(seconds=120)
    assert retry_after_parse("Mon, 02 Mar 2026 12:05:00 GMT", now=NOW) == timedelta(minutes=5)
    assert retry_after_parse("soon", now=NOW) is None
    assert retry_after_parse("99999999", now=NOW) == timedelta(days=1)
    assert retry_delay(attempts=1, base_seconds=30, retry_after=timedelta(minutes=5)) == timedelta(minutes=5)
