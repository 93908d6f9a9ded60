"""dialoog's own URLs plus two bare views: the yardsticks the benchmarks divide by. They go
through the same middleware as every page, so a ratio shows what our own code costs."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_POST


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    # The table is made by bench/run.py; it is not part of the app's schema.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare_row DEFAULT VALUES")
    return HttpResponse()


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-insert/", bare_insert),
    path("", include("dialoog.urls")),
]
