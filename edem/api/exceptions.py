"""API errors: domain errors become 400/403/409 answers with a translated message."""

from django.http import Http404
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from edem.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc.args = exc.args or ()
    return drf_exception_handler(exc, context)
