"""Views of the CMS outside Wagtail's own page serving."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.views import serve_chain

from edem.municipalities.models import Municipality

from .selectors import municipality_home_get, page_search

SEARCH_PAGE_SIZE = 10


def municipality_home(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Serve the municipality's home page through Wagtail (404 if it has none yet).

    The same hooks run as for any Wagtail page, so view restrictions and the
    like still apply.
    """
    page = municipality_home_get(municipality=municipality)
    if page is None:
        raise Http404(_("This municipality has no home page yet."))
    chain = serve_chain
    for fn in reversed(hooks.get_hooks("on_serve_page")):
        chain = fn(chain)
    for fn in hooks.get_hooks("before_serve_page"):
        result = fn(page, request, (), {})
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, (), {})


def search(request: HttpRequest, municipality: Municipality) -> HttpResponse:
    """Search the published pages of this municipality only."""
    query = request.GET.get("q", "").strip()[:200]
    results = page_search(municipality=municipality, query=query)
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cms/search.html",
        {
            "query": query,
            "results": page,
            "home": municipality_home_get(municipality=municipality),
        },
    )
