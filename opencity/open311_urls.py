"""The platform-wide Open311 GeoReport v2 base, mounted at ``/open311/``.

Every municipality is a jurisdiction; ``jurisdiction_id`` (the slug) picks one.
"""

from .open311 import platform_urlpatterns

app_name = "open311"
urlpatterns = platform_urlpatterns
