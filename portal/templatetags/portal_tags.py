"""Small template filters used across the site's pages."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template: {{ mapping|get_item:key }}."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
