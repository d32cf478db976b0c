"""The API's URLs (/api/v1/…), its OpenAPI schema and its documentation pages."""

from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import (
    audiences,
    catalogue,
    changes,
    contact_points,
    contact_requests,
    customers,
    customers_batch,
    events,
    links,
    plans,
    privacy,
    sends,
    views,
    webhook_tools,
)
from api import webhooks as webhooks_api
from api.problems import api_not_found

app_name = "api"

# drf-spectacular 0.30's Swagger UI page has one small inline <style>: allow exactly it, by hash.
SWAGGER_PAGE_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
docs_view = csp_update({"style-src": [SWAGGER_PAGE_STYLE_HASH]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema")
)


# Redoc draws itself with styled-components, which writes <style> elements at run time: no hash can name
# them, so this page alone takes inline styles (no inline script; it shows only the public schema).
redoc_view = csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularRedocView.as_view(url_name="api:schema"))


class EnglishSchemaView(SpectacularAPIView):
    """The schema (English whatever the request asks: api.schema.EnglishSchemaGenerator), saying so in
    Content-Language, which would otherwise announce the site's default language, French."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = "en"
        return response


urlpatterns = [
    # The two busiest operations first: the resolver tries patterns in order (none of them overlaps another).
    path("v1/customers/<int:customer_id>", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("v1/contact-plans", plans.ContactPlanView.as_view(), name="contact-plans"),
    path("schema/", EnglishSchemaView.as_view(), name="schema"),
    path("docs/", docs_view, name="docs"),
    path("redoc/", redoc_view, name="redoc"),
    path("v1/customers", customers.CustomerListUpsertView.as_view(), name="customer-upsert"),
    path("v1/customers/batch", customers_batch.CustomerBatchUpsertView.as_view(), name="customer-batch"),
    path("v1/customers/changes", changes.CustomerChangeBatchView.as_view(), name="customer-change-batch"),
    path(
        "v1/customers/<int:customer_id>/contact-points",
        contact_points.ContactPointListView.as_view(),
        name="customer-contact-points",
    ),
    path(
        "v1/customers/<int:customer_id>/contact-points/<int:contact_point_id>",
        contact_points.ContactPointDetailView.as_view(),
        name="customer-contact-point-detail",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>",
        customers.CustomerByExternalIdView.as_view(),
        name="customer-detail-by-external-id",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/contact-points",
        contact_points.ContactPointByExternalIdListView.as_view(),
        name="customer-contact-points-by-external-id",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/contact-points/<int:contact_point_id>",
        contact_points.ContactPointByExternalIdDetailView.as_view(),
        name="customer-contact-point-detail-by-external-id",
    ),
    path("v1/customers/<int:customer_id>/erasure", privacy.CustomerErasureView.as_view(), name="customer-erasure"),
    path(
        "v1/customers/by-external-id/<str:external_id>/erasure",
        privacy.CustomerErasureByExternalIdView.as_view(),
        name="customer-erasure-by-external-id",
    ),
    path(
        "v1/customers/<int:customer_id>/data-exports",
        privacy.CustomerDataExportsView.as_view(),
        name="customer-data-exports",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/data-exports",
        privacy.CustomerDataExportsByExternalIdView.as_view(),
        name="customer-data-exports-by-external-id",
    ),
    path(
        "v1/customers/<int:customer_id>/data-exports/<int:export_id>",
        privacy.CustomerDataExportDetailView.as_view(),
        name="customer-data-export-detail",
    ),
    path(
        "v1/customers/<int:customer_id>/data-exports/<int:export_id>/download.<str:fmt>",
        privacy.CustomerDataExportDownloadView.as_view(),
        name="customer-data-export-download",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/data-exports/<int:export_id>",
        privacy.CustomerDataExportDetailByExternalIdView.as_view(),
        name="customer-data-export-detail-by-external-id",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/data-exports/<int:export_id>/download.<str:fmt>",
        privacy.CustomerDataExportDownloadByExternalIdView.as_view(),
        name="customer-data-export-download-by-external-id",
    ),
    path("v1/topics", catalogue.TopicListView.as_view(), name="topic-list"),
    path("v1/channels", catalogue.ChannelListView.as_view(), name="channel-list"),
    path("v1/audiences", audiences.AudienceListCreateView.as_view(), name="audiences"),
    path("v1/audiences/<int:audience_id>", audiences.AudienceDetailView.as_view(), name="audience-detail"),
    path(
        "v1/audiences/<int:audience_id>/download.<str:fmt>.gz",
        audiences.AudienceDownloadView.as_view(),
        name="audience-download",
    ),
    path("v1/sends", sends.SendBatchView.as_view(), name="sends"),
    path("v1/sends/<int:send_id>", sends.SendDetailView.as_view(), name="send-detail"),
    path("v1/events", events.EventListView.as_view(), name="event-list"),
    path("v1/contact-requests", contact_requests.ContactRequestListCreateView.as_view(), name="contact-requests"),
    path(
        "v1/contact-requests/<int:contact_request_id>",
        contact_requests.ContactRequestDetailView.as_view(),
        name="contact-request-detail",
    ),
    path(
        "v1/customers/<str:external_id>/unsubscribe-links",
        links.UnsubscribeLinksView.as_view(),
        name="customer-unsubscribe-links",
    ),
    path(
        "v1/customers/by-external-id/<str:external_id>/unsubscribe-links",
        links.UnsubscribeLinksByExternalIdView.as_view(),
        name="customer-unsubscribe-links-by-external-id",
    ),
    path("v1/sms/inbound", links.InboundSmsView.as_view(), name="sms-inbound"),
    path("v1/webhook-endpoints", webhooks_api.WebhookEndpointListCreateView.as_view(), name="webhook-endpoints"),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>",
        webhooks_api.WebhookEndpointDetailView.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>/test",
        webhook_tools.WebhookEndpointTestView.as_view(),
        name="webhook-endpoint-test",
    ),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>/secret-rotation",
        webhook_tools.WebhookSecretRotationView.as_view(),
        name="webhook-secret-rotation",
    ),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>/deliveries",
        webhooks_api.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>/replay",
        webhooks_api.WebhookReplayRangeView.as_view(),
        name="webhook-replay-range",
    ),
    path(
        "v1/webhook-endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/replay",
        webhooks_api.WebhookDeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
    # Anything else under /api/ is a problem+json 404, not the site's HTML page.
    re_path(r"^[\s\S]*$", api_not_found, name="not-found"),  # newlines in a path too
]
