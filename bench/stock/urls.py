from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from bench.stock.models import Row


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


# A stock view that writes: a POST through the CSRF check (wrk sends the token, as it does
# to dialoog's submit) and one row inserted through the ORM.
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    Row._default_manager.create()
    return HttpResponse()


urlpatterns = [path("", bare), path("insert/", insert)]
