"""The benchmark (`manage.py bench`, `manage.py dashboard_benchmark`); loaded only by the dev, test and bench settings."""
