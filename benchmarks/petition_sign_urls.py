"""The platform's URLs plus the baseline: a bare view doing one INSERT."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from edem.urls import urlpatterns as platform_urls


@csrf_exempt
def bare_insert(request):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_insert (n) VALUES (%s)", [1])
    return HttpResponse(status=201)


urlpatterns = [path("bench/insert/", bare_insert), *platform_urls]
