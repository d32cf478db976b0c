"""An audience's file is the single contact plan of every customer, whatever the chunk size; its progress
and counts add up; a chunk whose worker was lost is taken again and finished by another."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import Scope
from audiences.chunks import _chunk_write, audience_chunk_run, chunk_claim
from audiences.models import AudienceChunk, AudienceJob
from audiences.sweep import audiences_sweep
from preferences.models import Customer
from privacy.services import customer_erase
from tests.audiences.conftest import (
    AT,
    URL,
    audience_queued,
    download,
    file_lines,
    make_population,
    report_sends,
    single_plans,
)


def _audience(api, capture, **body) -> dict:
    with capture(execute=True):
        response = api.post(URL, {"at": AT, **body})
    assert response.status_code == 202, response.content
    return api.get(response["Location"]).json()


@pytest.mark.parametrize("chunk_size", [1, 5, 7, 1000])
@pytest.mark.parametrize("topic", ["offers", "billing"])
def test_the_file_is_the_single_plan_of_every_customer_across_chunk_boundaries(
    make_api, population, settings, django_capture_on_commit_callbacks, chunk_size, topic
):
    settings.AUDIENCE_CHUNK_CUSTOMERS = chunk_size
    api, client = make_api()
    report_sends(client, population[4::8])  # the capped ones: frequency_cap, next_allowed_at
    job = _audience(api, django_capture_on_commit_callbacks, topic=topic, ai_generated=True, include="all")
    assert job["status"] == "ready" and job["progress"] == {"done": 24, "total": 24}
    assert AudienceChunk.objects.filter(job_id=job["id"]).count() == -(-24 // chunk_size)
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert lines == single_plans(api, population, topic)
    if topic == "offers":
        assert {"frequency_cap", "quiet_hours", "ai_not_allowed", "marketing_objection", "opted_out"} <= {
            reason for line in lines for reason in line["reasons"]
        }


def test_contactable_lists_the_allowed_plans_and_the_counts_add_up(
    make_api, population, django_capture_on_commit_callbacks
):
    api, _client = make_api()
    job = _audience(api, django_capture_on_commit_callbacks, topic="offers", ai_generated=False)
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    expected = [plan for plan in single_plans(api, population, "offers", False) if plan["allowed"]]
    assert lines == expected and lines
    counts = job["counts"]
    assert counts["examined"] == 24 and counts["listed"] == counts["allowed"] == len(lines)
    channels = {}
    for line in lines:
        for item in line["channels"]:
            channels[item["channel"]] = channels.get(item["channel"], 0) + 1
    assert counts["channels"] == channels
    refused = [plan for plan in single_plans(api, population, "offers", False) if not plan["allowed"]]
    assert sum(counts["reasons"].values()) == sum(len(plan["reasons"]) for plan in refused)


def test_filters_channels_and_language(make_api, population, django_capture_on_commit_callbacks):
    api, _client = make_api()
    job = _audience(
        api, django_capture_on_commit_callbacks, topic="offers", filters={"channels": ["sms"], "language": "fr"}
    )
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert lines and all(line["language"] == "fr" for line in lines)
    assert all(any(item["channel"] == "sms" for item in line["channels"]) for line in lines)
    assert job["progress"]["total"] == Customer.objects.filter(language="fr").count() and job["filters"] == {
        "channels": ["sms"],
        "language": "fr",
    }
    job = _audience(
        api, django_capture_on_commit_callbacks, topic="offers", include="all", filters={"channels": ["sms"]}
    )
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert {line["customer_id"] for line in lines} == {c.pk for c in population[::2]}  # those with a mobile


def test_updated_since_leaves_out_customers_unchanged_since(make_api, population, django_capture_on_commit_callbacks):
    api, _client = make_api()
    later = make_population(2, start=100)
    since = min(c.updated_at for c in later).isoformat()
    job = _audience(
        api, django_capture_on_commit_callbacks, topic="billing", include="all", filters={"updated_since": since}
    )
    assert [line["customer_id"] for line in file_lines(download(api, job["downloads"]["ndjson"]))] == [
        c.pk for c in later
    ]


def test_addresses_only_with_the_scope_exactly_as_the_single_plan(
    make_api, population, django_capture_on_commit_callbacks
):
    api, _client = make_api(Scope.DECISIONS_READ)
    job = _audience(api, django_capture_on_commit_callbacks, topic="billing", include="all")
    assert job["addresses"] is False
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert lines == single_plans(api, population, "billing")
    assert "@" not in str(lines)
    full, _client = make_api()
    job = _audience(full, django_capture_on_commit_callbacks, topic="billing", include="all")
    assert "c1@example.com" in str(file_lines(download(full, job["downloads"]["ndjson"])))


def test_csv_has_one_row_per_plan(make_api, population, django_capture_on_commit_callbacks):
    import csv
    import gzip
    import io

    api, _client = make_api()
    job = _audience(api, django_capture_on_commit_callbacks, topic="offers", include="all")
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(download(api, job["downloads"]["csv"])).decode())))
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert [int(row["customer_id"]) for row in rows] == [line["customer_id"] for line in lines]
    assert [row["reasons"] for row in rows] == [" ".join(line["reasons"]) for line in lines]
    assert any(row["addresses"].startswith("email:") for row in rows)


def test_progress_and_counts_as_the_chunks_come(make_api, population, settings, django_capture_on_commit_callbacks):
    settings.AUDIENCE_CHUNK_CUSTOMERS = 10
    api, _client = make_api()
    response = audience_queued(api, django_capture_on_commit_callbacks)  # no worker has taken anything yet
    job = response.json()
    assert job["status"] == "pending" and job["progress"] == {"done": 0, "total": 24} and job["downloads"] is None
    first = AudienceChunk.objects.filter(job_id=job["id"]).order_by("index").first()
    assert audience_chunk_run(chunk_id=first.pk) is True
    job = api.get(response["Location"]).json()
    done = first.id_to - first.id_from
    assert job["status"] == "running" and job["progress"] == {"done": done, "total": 24}
    assert job["counts"]["examined"] == done and job["downloads"] is None
    assert audience_chunk_run(chunk_id=first.pk) is False  # done: nobody takes it again
    for chunk in AudienceChunk.objects.filter(job_id=job["id"], status="pending"):
        audience_chunk_run(chunk_id=chunk.pk)
    job = api.get(response["Location"]).json()
    assert job["status"] == "ready" and job["progress"] == {"done": 24, "total": 24}
    assert job["counts"]["examined"] == 24


def test_a_chunk_whose_worker_was_lost_is_taken_again_after_its_lease(
    make_api, population, settings, django_capture_on_commit_callbacks
):
    settings.AUDIENCE_CHUNK_CUSTOMERS = 10
    api, _client = make_api()
    response = audience_queued(api, django_capture_on_commit_callbacks)
    chunks = list(AudienceChunk.objects.filter(job_id=response.json()["id"]).order_by("index"))
    lost_attempt = chunk_claim(chunk_id=chunks[0].pk)  # a worker takes it, then dies
    assert lost_attempt == 1 and chunk_claim(chunk_id=chunks[0].pk) is None  # nobody else while its lease runs
    for chunk in chunks[1:]:
        audience_chunk_run(chunk_id=chunk.pk)
    assert AudienceJob.objects.get().status == "running"
    assert audiences_sweep()["requeued"] == 0  # the lease still runs: the worker may be slow, not lost
    # Time passes with no heartbeat: the lease runs out.
    AudienceChunk.objects.filter(pk=chunks[0].pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert audiences_sweep()["requeued"] == 1  # queued again: the eager worker takes it now
    chunks[0].refresh_from_db()
    assert chunks[0].status == "done" and chunks[0].attempts == 2
    job = api.get(response["Location"]).json()
    assert job["status"] == "ready" and job["progress"]["done"] == 24
    lines = file_lines(download(api, job["downloads"]["ndjson"]))
    assert lines == single_plans(api, population, "offers", False)
    # The lost worker comes back: its lease is gone, it writes nothing over the chunk.
    content = bytes(chunks[0].content)
    assert _chunk_write(chunks[0], chunks[0].job, lost_attempt) is False
    chunks[0].refresh_from_db()
    assert bytes(chunks[0].content) == content and chunks[0].attempts == 2


def test_a_chunk_failing_every_attempt_fails_the_job(
    make_api, population, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.AUDIENCE_CHUNK_MAX_ATTEMPTS = 2
    api, _client = make_api()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("audiences.chunks.contact_plans_for_documents", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"topic": "offers", "at": AT})
    assert api.get(response["Location"]).json()["status"] == "running"
    audiences_sweep()  # attempt 2, failing too
    assert audiences_sweep()["failed"] == 1
    job = api.get(response["Location"]).json()
    assert job["status"] == "failed" and job["downloads"] is None


def test_a_chunk_run_costs_a_few_queries_whatever_its_size(
    make_api, population, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    api, client = make_api()
    report_sends(client, population)
    audience_queued(api, django_capture_on_commit_callbacks)
    (chunk,) = AudienceChunk.objects.all()
    # Claim 2, chunk and job 2, finish 1, complete 4 (with its savepoint); then per batch of a thousand
    # customers: documents 3 (one on PostgreSQL), marketing sends 1, heartbeat 1. Never one per customer.
    with django_assert_max_num_queries(15):
        assert audience_chunk_run(chunk_id=chunk.pk) is True


def test_no_customer_matches_a_ready_empty_audience(make_api, population, django_capture_on_commit_callbacks):
    api, _client = make_api()
    job = _audience(
        api, django_capture_on_commit_callbacks, topic="offers", filters={"updated_since": "2099-01-01T00:00:00Z"}
    )
    assert job["status"] == "ready" and job["progress"] == {"done": 0, "total": 0}
    assert download(api, job["downloads"]["ndjson"]) == b""


def test_a_customer_erased_while_the_job_runs_is_not_left_in_the_total(
    make_api, population, settings, django_capture_on_commit_callbacks
):
    # The total is counted when the job is created; an erased customer is then not examined, and a ready
    # job answered "23 of 24 done", as if one customer had been left out of its file.
    settings.AUDIENCE_CHUNK_CUSTOMERS = 10
    api, _client = make_api()
    response = audience_queued(api, django_capture_on_commit_callbacks)
    assert response.json()["progress"] == {"done": 0, "total": 24}
    customer_erase(customer_id=population[-1].pk, requested_by_type="customer")
    for chunk in AudienceChunk.objects.filter(job_id=response.json()["id"]):
        audience_chunk_run(chunk_id=chunk.pk)
    job = api.get(response["Location"]).json()
    assert job["status"] == "ready" and job["progress"] == {"done": 23, "total": 23}
    assert len(file_lines(download(api, job["downloads"]["ndjson"]))) == 23
