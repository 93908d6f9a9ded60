"""The one way views reach school-owned data.

A school appears in a URL as ``<slug:school_slug>``. ``school_view`` resolves it against the
schools the logged-in user belongs to (or leads, for leader pages) and answers 404 for any
other school, so a user of school A learns nothing about school B, not even that it exists.
Objects below a school are fetched with ``get_owned_or_404``, which goes through the model's
``for_school`` QuerySet method.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from schools.http import whole_number
from schools.models import School, User


class AuthedRequest(HttpRequest):
    """The request a tenancy-checked view receives: a logged-in user and their school."""

    user: User
    school: School
    htmx: HtmxDetails


P = ParamSpec("P")
M = TypeVar("M", bound=models.Model)

# Views take the plain or the authenticated request type; both are HttpRequests.
SchoolView = Callable[Concatenate[Any, School, P], HttpResponse]


def school_view(*, lead: bool) -> Callable[[SchoolView[P]], Callable[..., HttpResponse]]:
    """Decorate a view taking ``(request, school, ...)``. ``lead=True`` admits leaders,
    facilitators and board admins; ``lead=False`` admits everyone with a role at the school."""

    def decorator(view: SchoolView[P]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, school_slug: str, *args: Any, **kwargs: Any) -> Any:
            school = School.objects.reachable(request.user, school_slug, lead=lead)
            if school is None:
                raise Http404
            request.school = school  # type: ignore[attr-defined]
            if lead:  # the navigation need not ask again
                request.leads_school = True  # type: ignore[attr-defined]
            return view(request, school, *args, **kwargs)

        wrapper.tenancy = "lead" if lead else "member"  # type: ignore[attr-defined]
        return wrapper

    return decorator


def get_owned_or_404(queryset: models.QuerySet[M], school: School, **lookup: Any) -> M:
    """Fetch one object of ``school`` or raise 404; ``queryset`` must offer ``for_school``."""
    for_school = getattr(queryset, "for_school", None)
    if for_school is None:
        raise TypeError(f"{queryset.model.__name__} has no for_school(); it is not school-owned.")
    return get_object_or_404(for_school(school), **lookup)


def require(condition: bool) -> None:
    """404, not 403, when a user reaches something that is not theirs."""
    if not condition:
        raise Http404


def pk_or_404(raw: object) -> int:
    """A primary key sent by a form (a hidden field, a select): a whole number that a bigint
    holds, or the request names nothing that exists."""
    pk = whole_number(raw)
    if pk is None:
        raise Http404
    return pk
