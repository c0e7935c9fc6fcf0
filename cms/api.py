"""DRF views of the CMS: the catalogue of a municipality's published map layers.

The features themselves are served as GeoJSON by the geoportal's endpoints
(``/<municipality>/map/<layer>.geojson`` with a bounding box and paging); the
catalogue says where they are, under which licence and how fresh they are.
"""

from __future__ import annotations

from django.urls import reverse
from rest_framework import permissions, serializers, viewsets

from .geoportal import selectors
from .geoportal.models import MapLayer


class MapLayerSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    category_label = serializers.CharField(
        source="get_category_display", read_only=True
    )
    attributes = serializers.SerializerMethodField()
    geojson = serializers.SerializerMethodField()
    download_geojson = serializers.SerializerMethodField()
    download_csv = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = MapLayer
        fields = [
            "id", "slug", "title", "description", "category", "category_label",
            "source", "source_url", "licence", "data_updated_on", "version",
            "feature_count", "west", "south", "east", "north", "attributes",
            "geojson", "download_geojson", "download_csv", "url",
        ]  # fmt: skip

    def _link(self, obj: MapLayer, name: str) -> str:
        path = reverse(
            f"cms:{name}",
            kwargs={"municipality": obj.municipality.slug, "layer": obj.slug},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_attributes(self, obj: MapLayer) -> list[dict]:
        return selectors.layer_meta(obj)["attributes"]

    def get_geojson(self, obj: MapLayer) -> str:
        return self._link(obj, "layer_geojson")

    def get_download_geojson(self, obj: MapLayer) -> str:
        return self._link(obj, "layer_download_geojson")

    def get_download_csv(self, obj: MapLayer) -> str:
        return self._link(obj, "layer_download_csv")


class MapLayerViewSet(viewsets.ReadOnlyModelViewSet):
    """Published map layers of one municipality (the geoportal's open-data catalogue)."""

    queryset = MapLayer.objects.all()
    serializer_class = MapLayerSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return MapLayer.objects.none()
        return selectors.layer_list(municipality=self.kwargs["municipality"])


api_routes = [
    (r"(?P<municipality>[a-z0-9-]+)/map/layers", MapLayerViewSet, "cms-map-layer"),
]
