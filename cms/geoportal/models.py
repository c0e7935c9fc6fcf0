"""Map layers of a municipality, their features and the versions of their data.

A layer is published content of one municipality: its titles and description
in Ukrainian and English, a category (for the layer switcher), where the data
comes from, when it was last updated, under which licence it may be reused,
how it is drawn and which attributes its features carry. Features are stored
one row each, with their bounding box in indexed columns so the map asks only
for what is in view. Every change of the data (a file replacing it, or one
feature edited on the map) is a numbered version that remembers who made it,
when, what was added, removed and changed, and keeps the data as it then was.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from edem.core.models import TimeStampedModel
from edem.municipalities.models import Municipality


def _english() -> bool:
    return (get_language() or "uk").startswith("en")


class AttributeType(models.TextChoices):
    """What values an attribute of a layer's features may hold."""

    STRING = "string", _("text")
    INTEGER = "integer", _("whole number")
    NUMBER = "number", _("number")
    BOOLEAN = "boolean", _("yes / no")
    DATE = "date", _("date (YYYY-MM-DD)")


class LayerCategory(models.TextChoices):
    PLANNING = "planning", _("Urban planning and zoning")
    PROPERTY = "property", _("Municipal property")
    INVESTMENT = "investment", _("Investment map")
    PERMITS = "permits", _("Permits")
    ENERGY = "energy", _("Energy efficiency")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure and transport")
    ENVIRONMENT = "environment", _("Environment")
    SOCIAL = "social", _("Social services")
    OTHER = "other", _("Other")


class MarkerIcon(models.TextChoices):
    CIRCLE = "circle", _("circle")
    SQUARE = "square", _("square")
    TRIANGLE = "triangle", _("triangle")
    STAR = "star", _("star")


class LineStyle(models.TextChoices):
    SOLID = "solid", _("solid")
    DASHED = "dashed", _("dashed")
    DOTTED = "dotted", _("dotted")


colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Write the colour as #RRGGBB, e.g. #1f78b4.")
)


class MapLayer(TimeStampedModel):
    """One layer of a municipality's geoportal (e.g. "Advertising permits").

    ``schema`` lists the attributes of the layer's features as
    ``{"name", "type", "label_uk", "label_en", "filter"}``; an uploaded file is
    checked against it. ``name_attribute`` names a feature in popups, lists and
    search; ``expiry_attribute`` (a date attribute) marks a feature expired once
    the date has passed, e.g. the end of a permit's validity.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="map_layers",
    )
    slug = models.SlugField(
        _("address (slug)"),
        max_length=60,
        help_text=_("Latin letters, digits and hyphens; part of the layer's address."),
    )
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_uk = models.TextField(_("description (Ukrainian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=LayerCategory.choices,
        default=LayerCategory.OTHER,
    )
    source = models.CharField(
        _("source of the data"),
        max_length=300,
        blank=True,
        help_text=_("Who keeps the data, e.g. the urban planning department."),
    )
    source_url = models.URLField(_("source address"), blank=True)
    data_updated_on = models.DateField(_("data updated on"), default=timezone.localdate)
    licence = models.CharField(
        _("licence"),
        max_length=200,
        default="CC BY 4.0",
        help_text=_("Under which terms anyone may reuse the data."),
    )
    colour = models.CharField(
        _("colour"), max_length=7, default="#1f78b4", validators=[colour_validator]
    )
    fill_colour = models.CharField(
        _("fill colour"),
        max_length=7,
        default="#a6cee3",
        validators=[colour_validator],
    )
    fill_opacity = models.DecimalField(
        _("fill opacity (0 to 1)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.35"),
    )
    line_width = models.PositiveSmallIntegerField(_("line width, px"), default=2)
    line_style = models.CharField(
        _("line style"),
        max_length=10,
        choices=LineStyle.choices,
        default=LineStyle.SOLID,
    )
    icon = models.CharField(
        _("point symbol"),
        max_length=10,
        choices=MarkerIcon.choices,
        default=MarkerIcon.CIRCLE,
    )
    schema = models.JSONField(_("attributes"), default=list, blank=True)
    name_attribute = models.CharField(
        _("attribute that names a feature"), max_length=60, blank=True
    )
    expiry_attribute = models.CharField(
        _("attribute with the end of validity"),
        max_length=60,
        blank=True,
        help_text=_("A date attribute; features past this date are shown as expired."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    version = models.PositiveIntegerField(_("current version"), default=0)
    feature_count = models.PositiveIntegerField(_("features"), default=0)
    west = models.FloatField(null=True, blank=True)
    south = models.FloatField(null=True, blank=True)
    east = models.FloatField(null=True, blank=True)
    north = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("map layer")
        verbose_name_plural = _("map layers")
        ordering = ["category", "order", "title_uk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="map_layer_slug_per_municipality"
            ),
            models.CheckConstraint(
                condition=models.Q(fill_opacity__gte=0, fill_opacity__lte=1),
                name="map_layer_fill_opacity_0_1",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "cms:layer",
            kwargs={"municipality": self.municipality.slug, "layer": self.slug},
        )

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_uk

    @property
    def description(self) -> str:
        if _english() and self.description_en:
            return self.description_en
        return self.description_uk

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def attribute(self, name: str) -> dict | None:
        return next((a for a in self.schema if a.get("name") == name), None)

    def attribute_label(self, name: str) -> str:
        """The attribute's label in the reader's language (its name if unlabelled)."""
        spec = self.attribute(name) or {}
        if _english() and spec.get("label_en"):
            return spec["label_en"]
        return spec.get("label_uk") or spec.get("label_en") or name

    @property
    def filter_attributes(self) -> list[dict]:
        return [a for a in self.schema if a.get("filter")]

    def style(self) -> dict:
        """How the map draws the layer (Leaflet path options plus the point symbol)."""
        dash = {"solid": None, "dashed": "8 6", "dotted": "2 6"}[self.line_style]
        return {
            "color": self.colour,
            "fillColor": self.fill_colour,
            "fillOpacity": float(self.fill_opacity),
            "weight": self.line_width,
            "dashArray": dash,
            "icon": self.icon,
        }


class LayerFeature(models.Model):
    """One feature of a layer: a geometry and its attributes.

    ``key`` is the feature's identifier inside the layer (the GeoJSON ``id``,
    or its position in the first file that brought it); versions compare
    features by it. The bounding box and a representative point are kept in
    columns so bounding-box queries and search results need no geometry work.
    """

    layer = models.ForeignKey(
        MapLayer, on_delete=models.CASCADE, related_name="features"
    )
    key = models.CharField(_("identifier"), max_length=100)
    name = models.CharField(_("name"), max_length=300, blank=True)
    geometry = models.JSONField(_("geometry"))
    geometry_type = models.CharField(max_length=20)
    properties = models.JSONField(_("attributes"), default=dict, blank=True)
    search_text = models.TextField(blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()
    lat = models.FloatField()
    lon = models.FloatField()
    position = models.PositiveIntegerField(default=0)

    municipality_path = "layer__municipality"

    class Meta:
        verbose_name = _("map feature")
        verbose_name_plural = _("map features")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "key"], name="layer_feature_key_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["layer", "west", "south"], name="layer_feature_box_idx"
            ),
            models.Index(fields=["layer", "position"], name="layer_feature_pos_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.key

    def is_expired(self, today) -> bool:
        return self.expires_on is not None and self.expires_on < today


class LayerVersion(models.Model):
    """A numbered state of a layer's data: who made it, when, and what changed.

    ``changes`` holds ``{"added": [...], "removed": [...], "changed": [...]}``,
    each entry naming the feature (key and name) and, for a changed one, which
    attributes and whether its geometry changed. ``data`` is the layer's whole
    FeatureCollection as it was in this version, so a replaced state can be
    read and downloaded later.
    """

    class Kind(models.TextChoices):
        UPLOAD = "upload", _("file uploaded")
        EDIT = "edit", _("feature edited")
        DELETE = "delete", _("feature deleted")

    layer = models.ForeignKey(
        MapLayer, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    feature_count = models.PositiveIntegerField(_("features"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    changes = models.JSONField(_("what changed"), default=dict, blank=True)
    data = models.FileField(_("data"), upload_to="geoportal/versions/", blank=True)

    municipality_path = "layer__municipality"

    class Meta:
        verbose_name = _("layer version")
        verbose_name_plural = _("layer versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["layer", "number"], name="layer_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer} v{self.number}"
