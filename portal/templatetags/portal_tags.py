"""Small template filters and tags used across the site's pages and emails."""

from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext

from common import site
from common.sentences import in_sentence as _in_sentence
from common.sentences import unbroken as _unbroken
from common.time_zones import time_zone_name
from preferences.contact_points import contact_point_display, phone_display

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template: {{ mapping|get_item:key }}."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def site_name() -> str:
    """The site's name for pages and emails (common.site): {% site_name %} or {% site_name as name %}."""
    return site.site_name()


@register.simple_tag
def site_url() -> str:
    """The site's public address, for the signature of emails."""
    return site.site_url()


@register.simple_tag(takes_context=True)
def language_next(context) -> str:
    """Where the language switcher comes back to: this page; or, when this page answers a form (its
    errors shown at an address that only takes POST: a GET there is a 405), the page the form was on,
    from the Referer when it is this site's (SECURE_REFERRER_POLICY sends it within the site); else home."""
    request = context.get("request")
    if request is None:
        return "/"
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


@register.filter
def contact_value(point) -> str:
    """A contact point's value as a person reads it (06 12 34 56 78, not +33612345678): {{ point|contact_value }}."""
    return contact_point_display(kind=point.kind, value=point.value)


@register.filter
def phone(number: str) -> str:
    """A phone number as a person reads it: {{ team.urgent_phone|phone }}."""
    return phone_display(number) if number else number


@register.filter
def zone_name(zone: str) -> str:
    """A time zone as the customer chose it in the list ("France métropolitaine"), not "Europe/Paris"."""
    return time_zone_name(zone) if zone else zone


@register.filter(needs_autoescape=True)
def in_sentence(label, autoescape=True) -> str:
    """A channel's or topic's name inside a sentence (common.sentences): "sans {{ channel.name|in_sentence }}";
    on a page (where the template escapes) kept whole at its hyphen, in plain text (an email) as is."""
    text = _in_sentence(label)
    return _unbroken(text, every_word=True) if autoescape else text


@register.filter(needs_autoescape=True)
def unbroken(text, autoescape=True) -> str:
    """A sentence on a page (built in Python, "“Offres” par e-mail", or a translation): its words that start
    with a stub ("e-mail", "ci-dessous") kept whole on a narrow screen (common.sentences.unbroken); in plain
    text, as is."""
    return _unbroken(text) if autoescape else text


@register.filter
def error_target(field) -> str:
    """The id an error summary links a field to: its input, or for a group of radio buttons or checkboxes
    (whose label names no input) the first one the form offers; empty when it offers none."""
    if field.id_for_label:
        return field.id_for_label
    for option in field.subwidgets:
        if option.id_for_label:
            return option.id_for_label
    return ""


@register.filter
def error_label(field) -> str:
    """How an error summary names a field: its label; for a field a form repeats for each topic (a channel's
    checkbox in the topics grid: "E-mail" in every row), the topic then the label, "Offres et promotions :
    e-mail", so that the person knows which of them to correct (the field says whose it is: `topic_name`)."""
    topic_name = getattr(field.field, "topic_name", "")
    if not topic_name:
        return field.label
    colon = pgettext("between a label and its text", ":")
    return format_html("{}{} {}", topic_name, colon, _unbroken(_in_sentence(field.label), every_word=True))
