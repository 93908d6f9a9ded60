from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.totp import views as totp_views
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from dialoog import devmail, views
from planning import feeds
from schools import views as school_views
from schools.adapters import may_use_two_factor
from surveys import views as survey_views


def _leaders_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Two-factor set-up is offered to leaders, facilitators, board admins and staff."""

    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated and not may_use_two_factor(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


school_patterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.teacher_home, name="teacher_home"),
    path("me/rounds/<number:pk>/answer/", survey_views.answer_as_member, name="answer_as_member"),
    path("", include("schools.urls")),
    path("interventions/", include("interventions.school_urls")),
    path("rounds/", include("surveys.school_urls")),
    path("plan/", include("planning.urls")),
    path("interviews/", include("interviews.urls")),
    path("focus/", include("focusgroups.urls")),
    path("practice/", include("practice.urls")),
    path("nudges/", include("nudges.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    # First: every phone in a focus group asks for its screen every two seconds, by far the
    # most frequent request; later patterns are tried one by one before it is found. Then the
    # one join address of every live session (schools/live.py) and a practice session's phones.
    path("", include("focusgroups.phone_urls")),
    path("", include("schools.join_urls")),
    path("", include("practice.phone_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("dev/mail/", devmail.mail_list, name="dev_mail"),
    path("privacy/", views.privacy, name="privacy"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("profile/", school_views.profile, name="profile"),
    path(
        "accounts/2fa/totp/activate/",
        _leaders_only(totp_views.activate_totp),
        name="mfa_activate_totp",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("model/", include("interventions.urls")),
    path("s/<slug:school_slug>/", include(school_patterns)),
    path("board/<slug:board_slug>/", views.board_overview, name="board"),
    path("feed/<str:key>.ics", feeds.feed, name="calendar_feed"),
    path("", include("surveys.urls")),
    path("nudges/", include("nudges.unsubscribe_urls")),
]
