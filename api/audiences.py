"""Campaign audiences through the API (scope decisions:read): `POST /api/v1/audiences` queues the
contact plan of every customer for one message as a job (audiences), `GET /api/v1/audiences[/{id}]`
follows it (progress, counts as they come) and, once ready, gives signed links that expire to its file
(`download.ndjson.gz`, `download.csv.gz`), which need no key: the signature is the permission. A
client sees its own jobs, no others (another's is a 404)."""

from datetime import UTC, timedelta

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.audience_files import FORMATS, csv_parts
from api.fields import OffsetDateTimeField, QueryIntegerField, StrictBooleanField, StrictCharField
from api.models import ApiClient, Scope
from api.schema import location_header, problems
from api.serializers import MAX_ID, PLAN_HORIZON, DistinctListField, StrictSerializer, TopicCodeField
from api.views import ApiView, personal_data_allowed
from audiences.downloads import download_token_make, download_token_valid
from audiences.models import AudienceJob
from audiences.selectors import audience_file_parts, audience_progress, audiences_for_requester
from audiences.services import AudienceLimitReached, audience_create
from preferences.catalog import catalog_get
from preferences.domain import ChannelCode

REQUESTER_TYPE = "api_client"


class AudienceLimit(APIException):
    """409: the client already has as many audiences in progress as allowed; a state, not bad input."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "audience_limit"


class LinkRefused(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "link_refused"
    default_detail = _("This download link is not valid or has expired: read the audience again for a new one.")


class FilesDeleted(APIException):
    """A signed link still valid to a file deleted after its keeping time: gone for good, not unknown."""

    status_code = status.HTTP_410_GONE
    default_code = "files_deleted"
    default_detail = _("This audience's files have been deleted after their keeping time.")


# --- Access helper (one condition per line) ----------------------------------------------------------


def audience_get_for_api_client(*, client: ApiClient, audience_id: int) -> AudienceJob:
    """A job this client asked for."""
    if audience_id > MAX_ID:
        raise NotFound()
    job = (
        audiences_for_requester(requested_by_type=REQUESTER_TYPE, requested_by_id=str(client.pk))
        .filter(
            pk=audience_id,
        )
        .first()
    )
    if job is None:
        raise NotFound(_("No such audience among those this client asked for."))
    return job


# --- Serializers -------------------------------------------------------------------------------------


class AudienceFiltersSerializer(StrictSerializer):
    channels = DistinctListField(
        child=serializers.ChoiceField(choices=ChannelCode.choices),
        required=False,
        allow_empty=False,
        min_length=1,  # said in the schema (minItems) as allow_empty is not
        max_length=len(ChannelCode.choices),
        help_text="Only customers reachable on one of these channels (a usable contact point); with "
        "`include: contactable`, only those whose plan names one of them now.",
    )
    language = serializers.ChoiceField(
        choices=["fr", "en"], required=False, help_text="Only customers of this language."
    )
    updated_since = OffsetDateTimeField(
        required=False, help_text="Only customers whose preferences changed since then."
    )

    def validate_channels(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class AudienceRequestSerializer(StrictSerializer):
    topic = TopicCodeField()
    ai_generated = StrictBooleanField(required=False, default=False)
    at = OffsetDateTimeField(
        required=False, help_text="When the message would go; now when absent."
    )
    include = serializers.ChoiceField(
        choices=AudienceJob.Include.choices,
        required=False,
        default=AudienceJob.Include.CONTACTABLE,
        help_text="`contactable`: only customers who may be contacted now; `all`: every customer, with the reasons.",
    )
    filters = AudienceFiltersSerializer(required=False)

    def validate_at(self, value):
        if abs(value - timezone.now()) > PLAN_HORIZON:
            raise serializers.ValidationError(_("Ask about a moment within a year of now."))
        return value


class AudienceProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Customers decided so far.")
    total = serializers.IntegerField(
        help_text="Customers to decide, counted when the job was created; once `ready`, those decided (a customer "
        "erased while it ran is not)."
    )


class AudienceCountsSerializer(serializers.Serializer):
    examined = serializers.IntegerField(help_text="Customers decided that match the filters.")
    listed = serializers.IntegerField(help_text="Lines in the file.")
    allowed = serializers.IntegerField(help_text="Customers who may be contacted now.")
    channels = serializers.DictField(
        child=serializers.IntegerField(), help_text="Allowed customers by channel named now."
    )
    reasons = serializers.DictField(
        child=serializers.IntegerField(), help_text="Customers by reason they may not be contacted now."
    )


class AudienceDownloadsSerializer(serializers.Serializer):
    ndjson = serializers.URLField(help_text="One contact plan a line (JSON), gzip-compressed.")
    csv = serializers.URLField(help_text="One contact plan a row, gzip-compressed.")
    expires_at = serializers.DateTimeField(default_timezone=UTC, help_text="The links are refused after this.")


class AudienceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AudienceJob.Status.choices)
    topic = StrictCharField()
    ai_generated = serializers.BooleanField()
    at = serializers.DateTimeField(default_timezone=UTC)
    include = serializers.ChoiceField(choices=AudienceJob.Include.choices)
    filters = serializers.DictField()
    addresses = serializers.BooleanField(
        help_text="Whether the file carries addresses (the contact_points:read scope)."
    )
    progress = AudienceProgressSerializer()
    counts = AudienceCountsSerializer()
    created_at = serializers.DateTimeField(default_timezone=UTC)
    finished_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    expires_at = serializers.DateTimeField(default_timezone=UTC, help_text="The files are deleted then.")
    deleted_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    downloads = AudienceDownloadsSerializer(allow_null=True, help_text="Once `status` is `ready`.")


class AudiencePageSerializer(serializers.Serializer):
    audiences = AudienceOutSerializer(many=True)
    next_cursor = serializers.IntegerField(allow_null=True, help_text="Pass it as `before` for the next page.")


class AudienceQuerySerializer(StrictSerializer):
    before = QueryIntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Newest first: ids below it."
    )
    limit = QueryIntegerField(min_value=1, max_value=100, required=False, default=20)


class DownloadQuerySerializer(StrictSerializer):
    token = StrictCharField(max_length=500, help_text="From the audience's `downloads` links.")


def _filters(job: AudienceJob) -> dict:
    filters: dict = {}
    if job.channels:
        filters["channels"] = job.channels
    if job.language:
        filters["language"] = job.language
    if job.updated_since is not None:
        filters["updated_since"] = job.updated_since
    return filters


def _body(request, job: AudienceJob, topic_codes: dict[int, str]) -> dict:
    done, counts = audience_progress(job)
    downloads = None
    if job.status == AudienceJob.Status.READY:
        downloads = {
            fmt: request.build_absolute_uri(
                reverse("api:audience-download", kwargs={"audience_id": job.pk, "fmt": fmt})
                + "?token="
                + download_token_make(job_id=job.pk, fmt=fmt)
            )
            for fmt in FORMATS
        }
        downloads["expires_at"] = timezone.now() + timedelta(seconds=settings.AUDIENCE_LINK_SECONDS)
    body = {
        "id": job.pk,
        "status": job.status,
        "topic": topic_codes.get(job.topic_id, ""),
        "ai_generated": job.ai_generated,
        "at": job.at,
        "include": job.include,
        "filters": _filters(job),
        "addresses": job.personal,
        # Once ready, the customers examined: one erased while the job ran is not in its file, and
        # "23 of 24" would read as a customer left out.
        "progress": {"done": done, "total": done if job.status == AudienceJob.Status.READY else max(job.total, done)},
        "counts": counts,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "deleted_at": job.deleted_at,
        "downloads": downloads,
    }
    return AudienceOutSerializer(body).data


def _topic_codes() -> dict[int, str]:
    return {topic.pk: topic.code for topic in catalog_get().topics}


# --- Views -------------------------------------------------------------------------------------------

CREATE_DESCRIPTION = (
    "Queues the contact plan of every customer (whose data is not erased, matching the filters) for one "
    "message, and answers 202 with the job; `Location` is where to poll it. Workers share it by customer-id "
    "ranges; `progress` and `counts` grow as they go. Once `ready`, `downloads` holds signed links (valid "
    "`AUDIENCE_LINK_SECONDS`, an hour by default; read the job again for fresh ones) to the file: per customer, "
    "the same fields as `POST /api/v1/contact-plans` answers (addresses with contact_points:read only), decided "
    "by the same code. Files are deleted after `AUDIENCE_KEEP_HOURS` (48 by default); the job then stays listed "
    "as `deleted`. A client has at most `AUDIENCE_MAX_JOBS_PER_CLIENT` (2) audiences in progress: beyond, 409."
)


class AudienceListCreateView(ApiView):
    required_scopes = {"GET": Scope.DECISIONS_READ, "POST": Scope.DECISIONS_READ}
    query_serializers = {"GET": AudienceQuerySerializer}

    @extend_schema(
        operation_id="audiences_list",
        summary="The audiences this client asked for, newest first (deleted ones too)",
        parameters=[AudienceQuerySerializer],
        responses={200: AudiencePageSerializer, **problems(400)},
    )
    def get(self, request):
        query = AudienceQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        jobs = audiences_for_requester(requested_by_type=REQUESTER_TYPE, requested_by_id=str(request.user.pk))
        if "before" in data:
            jobs = jobs.filter(pk__lt=data["before"])
        page = list(jobs[: data["limit"] + 1])
        more = len(page) > data["limit"]
        page = page[: data["limit"]]
        codes = _topic_codes()
        body = {"audiences": [_body(request, job, codes) for job in page], "next_cursor": page[-1].pk if more else None}
        return Response(body)

    @extend_schema(
        operation_id="audience_create",
        summary="The contact plan of the whole customer base for one message (a job: poll it, then download)",
        description=CREATE_DESCRIPTION,
        request=AudienceRequestSerializer,
        responses={202: AudienceOutSerializer, **problems(400, 409, 415)},
        parameters=[location_header(202, description="The job's address, to poll: `/api/v1/audiences/{audience_id}`.")],
        examples=[
            OpenApiExample(
                "The November offer, AI-written, by email or SMS",
                value={"topic": "offers", "ai_generated": True, "filters": {"channels": ["email", "sms"]}},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = AudienceRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        filters = data.get("filters", {})
        try:
            job = audience_create(
                requested_by_type=REQUESTER_TYPE,
                requested_by_id=str(request.user.pk),
                topic=catalog_get().topics_by_code[data["topic"]],
                ai_generated=data["ai_generated"],
                at=data.get("at") or timezone.now(),
                include=data["include"],
                personal=personal_data_allowed(request),
                channels=filters.get("channels", ()),
                language=filters.get("language", ""),
                updated_since=filters.get("updated_since"),
            )
        except AudienceLimitReached as error:
            raise AudienceLimit(str(error)) from None
        job.refresh_from_db()  # an eager (or very fast) worker may have prepared it already
        response = Response(_body(request, job, _topic_codes()), status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api:audience-detail", kwargs={"audience_id": job.pk})
        return response


class AudienceDetailView(ApiView):
    required_scopes = {"GET": Scope.DECISIONS_READ}

    @extend_schema(
        operation_id="audience_read",
        summary="An audience this client asked for: status, progress, counts, and download links once ready",
        responses={200: AudienceOutSerializer, **problems(404)},
    )
    def get(self, request, audience_id: int):
        job = audience_get_for_api_client(client=request.user, audience_id=audience_id)
        return Response(_body(request, job, _topic_codes()))


# No key is asked for here, so no scope is lacking: a 403 is the link's own refusal. Nor is there a 401
# (no key is read), a 406 (the format is the path's) or a 429 (no client to count against).
DOWNLOAD_REFUSED = (
    "The signed link is refused: its token was not made for this audience and format, or it has expired (read "
    "the audience again for a new link)."
)
DOWNLOAD_QUERY_INVALID = "The link's query is not valid: `token` is missing or blank, or another parameter is given."
DOWNLOAD_UNKNOWN = "No such file: a format other than `ndjson` or `csv`."
DOWNLOAD_GONE = (
    "The audience's files have been deleted after their keeping time (`AUDIENCE_KEEP_HOURS`); the audience "
    "stays listed as `deleted`. Ask for a new audience."
)


class AudienceDownloadView(ApiView):
    """The file through a signed link: no key needed, the signature (job, format, time) is checked."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    query_serializers = {"GET": DownloadQuerySerializer}

    def perform_content_negotiation(self, request, force=False):
        # The format is in the path; errors are problem+json whatever Accept says.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="audience_download",
        summary="An audience's file, through the signed link its `downloads` gives (no key needed)",
        description="`download.ndjson.gz`: one contact plan a line, as `POST /api/v1/contact-plans` gives each; "
        "`download.csv.gz`: one a row (lists joined by spaces). Both gzip-compressed, streamed. 403 when the link "
        "is not valid or has expired; 410 once the files are deleted.",
        auth=[],
        parameters=[
            DownloadQuerySerializer,
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS), description="The file's format."),
        ],
        responses={
            (200, "application/gzip"): OpenApiResponse(OpenApiTypes.BINARY, description="The gzip-compressed file."),
            **problems(400, 403, 404, 410, keyless=True, descriptions={
                400: DOWNLOAD_QUERY_INVALID, 403: DOWNLOAD_REFUSED, 404: DOWNLOAD_UNKNOWN, 410: DOWNLOAD_GONE,
            }),
        },
    )
    def get(self, request, audience_id: int, fmt: str):
        query = DownloadQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        if fmt not in FORMATS or audience_id > MAX_ID:
            raise NotFound()
        if not download_token_valid(query.validated_data["token"], job_id=audience_id, fmt=fmt):
            raise LinkRefused()
        job = AudienceJob.objects.filter(pk=audience_id).first()
        if job is not None and job.status == AudienceJob.Status.DELETED:
            raise FilesDeleted()
        if job is None or job.status != AudienceJob.Status.READY:  # links are given for ready jobs only
            raise NotFound()
        parts = audience_file_parts(job_id=job.pk)
        response = StreamingHttpResponse(
            parts if fmt == "ndjson" else csv_parts(parts), content_type="application/gzip"
        )
        response["Content-Disposition"] = f'attachment; filename="audience-{job.pk}.{fmt}.gz"'
        return response
