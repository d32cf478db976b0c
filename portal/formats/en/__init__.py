"""English formats (portal.formats.en.formats)."""
