"""Wagtail pages of the platform.

The page tree mirrors the tenancy: one platform home at the site root, one home
page per municipality under it (its slug is the municipality's slug), and the
municipality's news, announcements and static pages below that home. Every page
below a municipality home knows its municipality and shows it in the header.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from edem.municipalities.models import Municipality, Organisation

RICH_TEXT_FEATURES = [
    "h2",
    "h3",
    "bold",
    "italic",
    "ol",
    "ul",
    "link",
    "document-link",
    "hr",
]

# First URL segments below a municipality that the platform itself serves
# (feeds, search, modules); a page with such a slug could never be reached.
RESERVED_CHILD_SLUGS = frozenset(
    {
        "feed",
        "search",
        "map",
        "petitions",
        "budget",
        "ideas",
        "consultations",
        "city",
        "api",
    }
)


def _english() -> bool:
    return (get_language() or "uk").startswith("en")


class MunicipalityPageMixin:
    """Gives a page its municipality (from the home page above it).

    Serving the page puts the municipality on the request, so the header shows
    it, and a page of a switched-off municipality answers 404.
    """

    @cached_property
    def municipality_home(self) -> MunicipalityHomePage | None:
        if not self.path:
            return None
        return (
            MunicipalityHomePage.objects.ancestor_of(self, inclusive=True)
            .select_related("municipality")
            .first()
        )

    @property
    def municipality(self) -> Municipality | None:
        home = self.municipality_home
        return home.municipality if home else None

    def serve(self, request, *args, **kwargs):
        municipality = self.municipality
        if municipality is not None and not municipality.is_active:
            raise Http404(_("There is no such municipality on the platform."))
        request.municipality = municipality
        return super().serve(request, *args, **kwargs)

    def clean(self):
        super().clean()
        parent = self.get_parent() if self.path and self.depth else None
        if parent is None:
            return
        if isinstance(parent.specific, MunicipalityHomePage) and (
            self.slug in RESERVED_CHILD_SLUGS
        ):
            raise ValidationError(
                {"slug": _("This address is used by the platform; choose another.")}
            )


class TranslatedTitleMixin:
    """A page with an optional English title that falls back to the Ukrainian one."""

    @property
    def display_title(self) -> str:
        if _english() and getattr(self, "title_en", ""):
            return self.title_en
        return self.title


class PlatformHomePage(TranslatedTitleMixin, Page):
    """The site root at "/": the municipalities served by the platform, with search."""

    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("title_en"),
        FieldPanel("intro"),
        FieldPanel("intro_en"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.MunicipalityHomePage", "cms.StandardPage"]
    max_count = 1
    template = "cms/platform_home_page.html"

    class Meta:
        verbose_name = _("platform home page")

    @property
    def display_intro(self) -> str:
        return self.intro_en if _english() and self.intro_en else self.intro

    def get_context(self, request, *args, **kwargs):
        from edem.municipalities.selectors import municipality_list

        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:100]
        context["query"] = query
        context["municipalities"] = municipality_list(search=query).select_related(
            "coat_of_arms"
        )
        return context


class MunicipalityHomePageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        municipality = cleaned.get("municipality")
        if municipality is not None and cleaned.get("slug") != municipality.slug:
            self.add_error(
                "slug", _("The home page's address must be the municipality's address.")
            )
        return cleaned


class MunicipalityHomePage(TranslatedTitleMixin, MunicipalityPageMixin, Page):
    """A municipality's home: its services, pinned and latest announcements and news."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="home_page",
    )
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    intro_en = RichTextField(
        _("introduction (English)"), blank=True, features=RICH_TEXT_FEATURES
    )

    content_panels = Page.content_panels + [
        FieldPanel("title_en"),
        FieldPanel("municipality", permission="superuser"),
        FieldPanel("intro"),
        FieldPanel("intro_en"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("title_en"),
        index.SearchField("intro"),
        index.SearchField("intro_en"),
    ]

    base_form_class = MunicipalityHomePageForm
    parent_page_types = ["cms.PlatformHomePage"]
    subpage_types = ["cms.AnnouncementIndexPage", "cms.StandardPage"]
    template = "cms/municipality_home_page.html"

    class Meta:
        verbose_name = _("municipality home page")

    @cached_property
    def municipality_home(self) -> MunicipalityHomePage:
        return self

    @property
    def display_intro(self) -> str:
        return self.intro_en if _english() and self.intro_en else self.intro

    def get_context(self, request, *args, **kwargs):
        from edem.participation.registry import registry

        from .selectors import announcement_list

        context = super().get_context(request, *args, **kwargs)
        blocks = []
        for manifest in registry.enabled(self.municipality):
            if manifest.home_blocks is not None:
                blocks.extend(manifest.home_blocks(self.municipality))
        announcements = announcement_list(municipality=self.municipality)
        context["module_blocks"] = blocks
        context["pinned"] = list(announcements.filter(pinned=True)[:3])
        context["latest_official"] = list(
            announcements.filter(kind=AnnouncementPage.Kind.OFFICIAL, pinned=False)[:4]
        )
        context["latest_news"] = list(
            announcements.filter(kind=AnnouncementPage.Kind.NEWS, pinned=False)[:4]
        )
        context["news_index"] = (
            AnnouncementIndexPage.objects.child_of(self).live().first()
        )
        context["static_pages"] = StandardPage.objects.child_of(self).live().in_menu()
        return context


class AnnouncementIndexPage(TranslatedTitleMixin, MunicipalityPageMixin, Page):
    """ "News and announcements" of one municipality, filterable and paged."""

    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("title_en"),
        FieldPanel("intro"),
        FieldPanel("intro_en"),
    ]

    parent_page_types = ["cms.MunicipalityHomePage"]
    subpage_types = ["cms.AnnouncementPage"]
    max_count_per_parent = 1
    template = "cms/announcement_index_page.html"
    page_size = 10

    class Meta:
        verbose_name = _("news and announcements index")

    @property
    def display_intro(self) -> str:
        return self.intro_en if _english() and self.intro_en else self.intro

    def get_context(self, request, *args, **kwargs):
        from .filters import AnnouncementFilter
        from .selectors import announcement_list

        context = super().get_context(request, *args, **kwargs)
        announcements = announcement_list(
            municipality=self.municipality, index=self
        ).select_related("author_organisation")
        filterset = AnnouncementFilter(request.GET or None, queryset=announcements)
        results = (
            filterset.qs
            if filterset.is_bound and filterset.is_valid()
            else (announcements)
        )
        paginator = Paginator(results, self.page_size)
        context["filter"] = filterset
        context["announcements"] = paginator.get_page(request.GET.get("page"))
        return context


class AnnouncementPageForm(WagtailAdminPageForm):
    """Offers as authors only the organisations of the page's own municipality."""

    def __init__(self, *args, parent_page=None, **kwargs):
        super().__init__(*args, parent_page=parent_page, **kwargs)
        field = self.fields.get("author_organisation")
        if field is None:
            return
        anchor = self.instance if self.instance.pk else parent_page
        home = (
            MunicipalityHomePage.objects.ancestor_of(anchor, inclusive=True).first()
            if anchor is not None
            else None
        )
        field.queryset = (
            Organisation.objects.filter(municipality_id=home.municipality_id)
            if home
            else Organisation.objects.none()
        )


class AnnouncementPage(TranslatedTitleMixin, MunicipalityPageMixin, Page):
    """A news item or an official announcement of the municipality.

    Official announcements are the municipality's formal notices (hearings,
    outages, calls); news is everything else. A pinned item stays at the top of
    the municipality's home page. The English version is optional: readers of
    the English site see the Ukrainian text where it is missing.
    """

    class Kind(models.TextChoices):
        NEWS = "news", _("news")
        OFFICIAL = "official", _("official announcement")

    class Category(models.TextChoices):
        GOVERNANCE = "governance", _("council and administration")
        PARTICIPATION = "participation", _("participation and budget")
        UTILITIES = "utilities", _("housing and utilities")
        TRANSPORT = "transport", _("transport and roads")
        SAFETY = "safety", _("safety")
        SOCIAL = "social", _("social support and health")
        EDUCATION = "education", _("education and culture")
        ENVIRONMENT = "environment", _("environment")

    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS, db_index=True
    )
    category = models.CharField(
        _("category"),
        max_length=30,
        choices=Category.choices,
        default=Category.GOVERNANCE,
        db_index=True,
    )
    pinned = models.BooleanField(
        _("pinned"),
        default=False,
        help_text=_("Pinned items stay at the top of the municipality's home page."),
    )
    date = models.DateField(_("publication date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    body = RichTextField(_("text"), features=RICH_TEXT_FEATURES)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=400, blank=True)
    body_en = RichTextField(
        _("text (English)"), blank=True, features=RICH_TEXT_FEATURES
    )
    author_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("published by (organisation)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("date"), FieldPanel("pinned")]),
        FieldPanel("author_organisation"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("attachments", heading=_("Attachments"), label=_("attachment")),
        MultiFieldPanel(
            [FieldPanel("title_en"), FieldPanel("summary_en"), FieldPanel("body_en")],
            heading=_("English version"),
            classname="collapsed",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("title_en"),
        index.SearchField("summary"),
        index.SearchField("summary_en"),
        index.SearchField("body"),
        index.SearchField("body_en"),
        index.FilterField("kind"),
        index.FilterField("category"),
        index.FilterField("date"),
    ]

    base_form_class = AnnouncementPageForm
    parent_page_types = ["cms.AnnouncementIndexPage"]
    subpage_types: list[str] = []
    template = "cms/announcement_page.html"

    class Meta:
        verbose_name = _("announcement or news item")
        verbose_name_plural = _("announcements and news")
        indexes = [models.Index(fields=["-date"], name="announcement_date_idx")]

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL

    @property
    def display_summary(self) -> str:
        return self.summary_en if _english() and self.summary_en else self.summary

    @property
    def display_body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body

    @property
    def shows_ukrainian_fallback(self) -> bool:
        """An English reader sees the Ukrainian text because no translation exists."""
        return _english() and not self.body_en


class AnnouncementAttachment(Orderable):
    """A document attached to an announcement (a decision, a schedule, a form)."""

    page = ParentalKey(
        AnnouncementPage, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(
        _("link text"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to use the document's own title."),
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.title or self.document.title


class StandardPage(TranslatedTitleMixin, MunicipalityPageMixin, Page):
    """A static page ("About the community", contacts, rules), optionally in English."""

    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    body = RichTextField(_("text"), features=RICH_TEXT_FEATURES)
    body_en = RichTextField(
        _("text (English)"), blank=True, features=RICH_TEXT_FEATURES
    )

    content_panels = Page.content_panels + [
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("title_en"), FieldPanel("body_en")],
            heading=_("English version"),
            classname="collapsed",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("title_en"),
        index.SearchField("body"),
        index.SearchField("body_en"),
    ]

    parent_page_types = [
        "cms.PlatformHomePage",
        "cms.MunicipalityHomePage",
        "cms.StandardPage",
    ]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"

    class Meta:
        verbose_name = _("static page")

    @property
    def display_body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body

    @property
    def shows_ukrainian_fallback(self) -> bool:
        return _english() and not self.body_en


class MunicipalityCollection(models.Model):
    """The Wagtail collection that holds one municipality's images and documents."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="cms_collection",
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("collection"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("municipality collection")
        verbose_name_plural = _("municipality collections")

    def __str__(self) -> str:
        return str(self.collection)


# The geoportal's models live in their own module; importing them here registers
# them with the app.
from .geoportal.models import (  # noqa: E402
    LayerFeature,
    LayerVersion,
    MapLayer,
)

__all__ = [
    "AnnouncementAttachment",
    "AnnouncementIndexPage",
    "AnnouncementPage",
    "LayerFeature",
    "LayerVersion",
    "MapLayer",
    "MunicipalityCollection",
    "MunicipalityHomePage",
    "PlatformHomePage",
    "StandardPage",
]
