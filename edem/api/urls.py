"""``/api/v1/``: one router; each module adds its viewsets through ``api_routes``."""

from django.urls import include, path
from django.utils.module_loading import import_string
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from .views import MunicipalityViewSet, NotificationViewSet

router = DefaultRouter()
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("notifications", NotificationViewSet, basename="notification")

# Modules expose ``api_routes = [(prefix, viewset, basename), ...]`` in api.py.
for module in ("petitions", "participatory_budget", "ideas", "consultations", "opencity", "buildings", "cms"):
    try:
        routes = import_string(f"{module}.api.api_routes")
    except ImportError:
        continue
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
