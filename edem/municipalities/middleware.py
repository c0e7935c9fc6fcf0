"""Resolve the municipality from the first URL segment."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .selectors import municipality_by_slug


class MunicipalityMiddleware:
    """Sets ``request.municipality`` for URLs with a ``municipality`` slug; 404 if unknown.

    Views then receive the ``Municipality`` object in place of the slug, so no
    view ever looks a municipality up by itself.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.municipality = None
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("municipality")
        if slug is None:
            return None
        municipality = municipality_by_slug(slug)
        if municipality is None:
            raise Http404(_("There is no such municipality on the platform."))
        request.municipality = municipality
        view_kwargs["municipality"] = municipality
        return None
