"""Date formats that override Django's for a language (FORMAT_MODULE_PATH)."""
