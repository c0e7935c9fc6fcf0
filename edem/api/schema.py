"""OpenAPI schema hooks."""


def only_public_api(endpoints):
    """Describe the platform's /api/v1/ only, not Wagtail's internal admin API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
