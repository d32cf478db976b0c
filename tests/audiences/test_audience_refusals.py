"""Audiences through the API: what is refused (scope, bad or unknown input, too many jobs at once,
another client's job, a bad or expired link) and what is deleted after the keeping time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import Scope
from audiences.models import AudienceChunk, AudienceJob
from audiences.services import audiences_purge
from tests.api.conftest import assert_problem
from tests.audiences.conftest import AT, URL, download


@pytest.fixture
def ready(make_api, population, django_capture_on_commit_callbacks):
    api, _client = make_api()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"topic": "offers", "at": AT, "include": "all"})
    return api, api.get(response["Location"]).json()


def test_the_scope_decisions_read_is_needed(make_api, db):
    api, _client = make_api(Scope.CUSTOMERS_READ)
    body = assert_problem(api.post(URL, {"topic": "offers"}), 403)
    assert body["missing_scope"] == "decisions:read"
    assert_problem(api.get(URL), 403)
    anonymous, _client = make_api()
    anonymous.key = None
    assert_problem(anonymous.post(URL, {"topic": "offers"}), 401)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"topic": "offers", "ai_generatd": True}, "ai_generatd"),
        ({"topic": "offers", "filters": {"channel": ["sms"]}}, "filters.channel"),
    ],
)
def test_unknown_fields_are_refused_by_name(api, body, field):
    problem = assert_problem(api.post(URL, body), 400)
    assert problem["unknown_fields"] == [field]
    assert not AudienceJob.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "topic"),
        ({"topic": "nope"}, "topic"),
        ({"topic": "offers", "ai_generated": "yes"}, "ai_generated"),
        ({"topic": "offers", "include": "everyone"}, "include"),
        ({"topic": "offers", "at": "2099-01-01T00:00:00Z"}, "at"),
        ({"topic": "offers", "filters": {"channels": ["fax"]}}, "filters"),
        ({"topic": "offers", "filters": {"channels": []}}, "filters"),
        ({"topic": "offers", "filters": {"channels": ["sms", "email", "sms"]}}, "filters"),  # not merged
        ({"topic": "offers", "filters": {"language": "de"}}, "filters"),
        ({"topic": "offers", "filters": {"updated_since": "yesterday"}}, "filters"),
        ({"topic": "offers", "filters": ["sms"]}, "filters"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(api, body, field):
    problem = assert_problem(api.post(URL, body), 400)
    assert field in problem["errors"]
    assert not AudienceJob.objects.exists()


def test_too_many_jobs_at_once_for_one_client(make_api, population, settings, django_capture_on_commit_callbacks):
    settings.AUDIENCE_MAX_JOBS_PER_CLIENT = 2
    api, _client = make_api()
    other, _client = make_api()
    with django_capture_on_commit_callbacks(execute=False):  # no worker: they stay in progress
        for _number in range(2):
            assert api.post(URL, {"topic": "offers"}).status_code == 202
        problem = assert_problem(api.post(URL, {"topic": "offers"}), 409)
        assert other.post(URL, {"topic": "offers"}).status_code == 202  # the limit is per client
    assert problem["type"].endswith("audience_limit")
    assert AudienceJob.objects.count() == 3
    AudienceJob.objects.filter(pk=AudienceJob.objects.order_by("pk").first().pk).update(status="ready")
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(URL, {"topic": "offers"}).status_code == 202  # one finished: room again


def test_another_clients_job_is_not_found(make_api, ready):
    api, job = ready
    other, _client = make_api()
    assert_problem(other.get(f"{URL}/{job['id']}"), 404)
    assert_problem(other.get(f"{URL}/{2**63}"), 404)
    assert other.get(URL).json() == {"audiences": [], "next_cursor": None}
    assert [item["id"] for item in api.get(URL).json()["audiences"]] == [job["id"]]


def test_the_list_pages_newest_first_and_refuses_unknown_parameters(
    api, population, django_capture_on_commit_callbacks
):
    ids = []
    for _number in range(3):
        with django_capture_on_commit_callbacks(execute=True):  # each done before the next is asked
            ids.append(api.post(URL, {"topic": "offers"}).json()["id"])
    page = api.get(URL, limit=2).json()
    assert [item["id"] for item in page["audiences"]] == ids[:0:-1] and page["next_cursor"] == ids[1]
    assert [item["id"] for item in api.get(URL, before=ids[1]).json()["audiences"]] == [ids[0]]
    assert assert_problem(api.get(URL, page=2), 400)["unknown_fields"] == ["page"]


def test_download_links_are_signed_and_expire(ready, settings):
    api, job = ready
    ndjson, csv = job["downloads"]["ndjson"], job["downloads"]["csv"]
    assert download(api, ndjson)
    assert_problem(api.client.get(ndjson.replace("token=", "token=x")), 403)
    assert_problem(api.client.get(ndjson.replace("download.ndjson", "download.csv")), 403)  # a link per format
    assert_problem(api.client.get(ndjson.replace(f"/{job['id']}/", f"/{job['id'] + 1}/")), 403)  # and per job
    assert_problem(api.client.get(ndjson.split("?")[0]), 400)  # no token
    assert_problem(api.client.get(ndjson.replace("ndjson.gz", "xml.gz")), 404)
    settings.AUDIENCE_LINK_SECONDS = -1  # the hour has passed
    assert_problem(api.client.get(csv), 403)


def test_files_are_deleted_after_the_keeping_time_and_the_deletion_recorded(ready):
    api, job = ready
    assert AudienceChunk.objects.filter(job_id=job["id"]).exists()
    assert audiences_purge() == 0  # not yet
    assert audiences_purge(now=timezone.now() + timedelta(hours=49)) == 1
    assert not AudienceChunk.objects.filter(job_id=job["id"]).exists()
    gone = assert_problem(api.client.get(job["downloads"]["ndjson"]), 410)  # the link is still valid: gone, not unknown
    assert gone["type"].endswith(":files_deleted") and "keeping time" in gone["detail"]
    in_french = assert_problem(api.client.get(job["downloads"]["ndjson"], HTTP_ACCEPT_LANGUAGE="fr"), 410)
    assert in_french["title"] == "Ces fichiers ont été supprimés."
    assert "durée de conservation" in in_french["detail"]
    deleted = api.get(f"{URL}/{job['id']}").json()
    assert deleted["status"] == "deleted" and deleted["deleted_at"] and deleted["downloads"] is None
    assert deleted["counts"] == job["counts"]  # what it found stays, nothing personal
    assert api.get(URL).json()["audiences"][0]["status"] == "deleted"
    assert audiences_purge(now=timezone.now() + timedelta(hours=100)) == 0  # recorded once
