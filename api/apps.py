"""The API app: loads its OpenAPI extensions and key-cache signals, adds the API's sends to data exports
and its kept Idempotency-Key answers to erasure, and hands audiences their plan writer and sends reader."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API for other systems")

    def ready(self) -> None:
        # schema: the OpenAPI description of the API-key authentication, for drf-spectacular;
        # signals: clears the cached keys when a key or a client changes. Imported here, not at the top
        # of this module: Django loads apps.py before the models these modules use are ready.
        from api import schema, signals  # noqa: F401

        # The sends other systems reported (for the weekly cap) are data about the customer too, so
        # the data export carries them. privacy (a feature) must not import the API app (a surface
        # built on it): the API adds its section to privacy's export here, once, at start-up.
        from api.selectors import sends_export_rows
        from privacy.exports import export_section_register

        export_section_register("sends", sends_export_rows)

        # Answers kept for Idempotency-Key retries may hold the customer's addresses: erased with them.
        from api.idempotency import idempotent_answers_of_customer_delete
        from privacy.services import erasure_step_register

        erasure_step_register(idempotent_answers_of_customer_delete)

        # Audiences (a feature) write each customer's contact plan as this API gives it, and cap
        # marketing with the sends the API keeps: the API hands both over here, once, at start-up.
        from api.audience_files import plan_line
        from api.selectors import marketing_sends_get
        from audiences.hooks import audience_hooks_register

        audience_hooks_register(plan_line=plan_line, marketing_sends_get=marketing_sends_get)
