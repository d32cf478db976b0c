"""Small template filters and tags used across the site's pages and emails."""

from django import template

from common import site

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
