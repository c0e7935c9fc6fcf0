"""Platform URLs. Ukrainian pages have no prefix, English ones live under /en/.

Order matters: platform paths first, then each module under
``/<municipality>/<module>/``, the municipality home, and Wagtail's pages last.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from edem.api.health import healthz
from edem.core import views as core_views

MODULE_URLS = [
    ("petitions/", "petitions.urls"),
    ("budget/", "participatory_budget.urls"),
    ("ideas/", "ideas.urls"),
    ("consultations/", "consultations.urls"),
    ("city/", "opencity.urls"),
    ("buildings/", "buildings.urls"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", include("edem.api.urls")),
    path("open311/", include("opencity.open311_urls")),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("identity/", include("edem.accounts.urls")),
    path("me/", core_views.cabinet, name="cabinet"),
    path("me/notifications/", include("edem.notifications.urls")),
    *[
        path(f"<slug:municipality>/{prefix}", include(module))
        for prefix, module in MODULE_URLS
    ],
    path("<slug:municipality>/comments/", include("edem.participation.urls")),
    path("<slug:municipality>/", include("cms.urls")),
    path("<slug:municipality>/", cms_views.municipality_home, name="municipality_home"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.SERVE_MEDIA:
    # Development and test servers serve uploads themselves; production leaves
    # them to the web server in front (SERVE_MEDIA off).
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

handler404 = "edem.core.views.page_not_found"
