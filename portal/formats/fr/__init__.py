"""French formats (portal.formats.fr.formats)."""
