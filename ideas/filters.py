"""django-filter filter sets of the module's lists (HTML and API)."""
