"""Calendar feeds: the year plan as an iCalendar (RFC 5545) subscription.

A feed lives behind a secret address (``/feed/<key>.ics``; the log filter redacts it). Each
activity is one VEVENT with a stable UID and a SEQUENCE that rises whenever what a subscriber
sees changes; a repeat is an RRULE, not a row per date. A removed activity stays in the feed as
STATUS:CANCELLED for a while, so subscribed calendars drop it instead of keeping a ghost.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from planning.models import CANCELLED_KEEP_DAYS, Activity, CalendarFeed, CancelledActivity, Topic
from schools.http import no_store
from schools.models import School, User
from schools.tenancy import AuthedRequest, school_view

if TYPE_CHECKING:
    import icalendar

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# How far back a feed reaches: last school year's moments stay visible in the subscriber's
# calendar, older ones fall away.
HISTORY_DAYS = 400


def _uid(uid: object) -> str:
    return f"{uid}@dialoog"


def _link(activity: Activity, school: School) -> str:
    return settings.SITE_URL + reverse("calendar:activity", args=[school.slug, activity.pk])


def _description(activity: Activity, school: School, user: User | None) -> str:
    parts = [str(activity.get_kind_display())]
    if activity.agenda.strip():
        parts.append(_("Agenda:") + "\n" + activity.agenda.strip())
    topics = list(activity.topics.all())
    if topics:
        parts.append(
            _("Topics from the team:")
            + "\n"
            + "\n".join(
                f"- {t.occurs_on.strftime('%d-%m')}: {t.text}" if t.occurs_on else f"- {t.text}"
                for t in topics
            )
        )
    if user is not None and any(helper.pk == user.pk for helper in activity.helpers.all()):
        parts.append(_("You help prepare this."))
    parts.append(_("In dialoog: %(url)s") % {"url": _link(activity, school)})
    return "\n\n".join(parts)


def _event(activity: Activity, school: School, user: User | None) -> icalendar.Event:
    import icalendar

    start = timezone.localtime(activity.starts_at, AMSTERDAM)
    event = icalendar.Event()
    event.add("uid", _uid(activity.uid))
    event.add("sequence", activity.sequence)
    event.add("dtstamp", activity.updated_at)
    event.add("last-modified", activity.updated_at)
    event.add("created", activity.created_at)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=activity.duration_minutes))
    event.add("summary", activity.title)
    event.add("description", _description(activity, school, user))
    event.add("url", _link(activity, school))
    event.add("categories", [str(activity.get_kind_display())])
    if activity.place:
        event.add("location", activity.place)
    if activity.repeat_weeks and activity.repeat_until:
        # UNTIL is in UTC when DTSTART carries a time zone (RFC 5545 3.3.10).
        last = datetime.combine(activity.repeat_until, time.max, tzinfo=AMSTERDAM)
        event.add(
            "rrule",
            {
                "freq": "weekly",
                "interval": activity.repeat_weeks,
                "until": last.astimezone(ZoneInfo("UTC")).replace(microsecond=0),
            },
        )
    return event


def _cancelled_event(cancelled: CancelledActivity) -> icalendar.Event:
    import icalendar

    start = timezone.localtime(cancelled.starts_at, AMSTERDAM)
    event = icalendar.Event()
    event.add("uid", _uid(cancelled.uid))
    event.add("sequence", cancelled.sequence)
    event.add("dtstamp", cancelled.cancelled_at)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=cancelled.duration_minutes))
    event.add("summary", cancelled.title)
    event.add("status", "CANCELLED")
    return event


def build(school: School, user: User | None, now: datetime | None = None) -> bytes:
    """The feed of ``school`` (for ``user``, or the school's own feed), in four queries."""
    now = now or timezone.now()
    since = now - timedelta(days=HISTORY_DAYS)
    activities = (
        Activity.objects.for_school(school)
        .filter(Q(starts_at__gte=since) | Q(repeat_weeks__gt=0, repeat_until__gte=since.date()))
        .prefetch_related(
            "helpers", Prefetch("topics", queryset=Topic.objects.order_by("occurs_on", "pk"))
        )
        .order_by("starts_at", "pk")
    )
    cancelled = CancelledActivity.objects.filter(
        school=school, cancelled_at__gte=now - timedelta(days=CANCELLED_KEEP_DAYS)
    ).order_by("starts_at", "pk")

    # Only the feed needs icalendar: loaded here, not in every web worker (2 MiB).
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//dialoog//jaarkalender//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("%(school)s: year plan") % {"school": school.name}
    if user is not None:
        name = _("%(school)s: my calendar") % {"school": school.name}
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    calendar.add(
        "refresh-interval",
        icalendar.vDuration(timedelta(hours=1)),
        parameters={"VALUE": "DURATION"},
    )
    calendar.add("x-published-ttl", "PT1H")
    for activity in activities:
        calendar.add_component(_event(activity, school, user))
    for gone in cancelled:
        calendar.add_component(_cancelled_event(gone))
    calendar.add_component(amsterdam())
    return calendar.to_ical()


def amsterdam() -> icalendar.Timezone:
    """Europe/Amsterdam as the rule every calendar client understands (last Sunday of March
    and of October), rather than a list of past transition dates, which some clients misread."""
    import icalendar

    zone = icalendar.Timezone()
    zone.add("tzid", "Europe/Amsterdam")
    summer = icalendar.TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = icalendar.TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def prune_cancelled(now: datetime | None = None) -> int:
    """Forget cancelled activities that every subscriber has long since seen."""
    now = now or timezone.now()
    deleted, _counts = CancelledActivity.objects.filter(
        cancelled_at__lt=now - timedelta(days=CANCELLED_KEEP_DAYS)
    ).delete()
    return deleted


# --- Views ------------------------------------------------------------------------------------


@require_GET
def feed(request: HttpRequest, key: str) -> HttpResponse:
    """The subscription itself. No login: the secret address is the credential, so a person's
    feed stops as soon as they no longer belong to the school."""
    subscription = CalendarFeed.by_key(key)
    if subscription is None:
        raise Http404
    school, user = subscription.school, subscription.user
    if user is not None and (
        not user.is_active or not School.objects.for_user(user).filter(pk=school.pk).exists()
    ):
        raise Http404
    language = user.language if user is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        body = build(school, user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{school.slug}.ics"'
    # Never let a proxy keep a copy of a secret address's answer.
    return no_store(response)


def feed_url(request: HttpRequest, key: str) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[key]))


@school_view(lead=False)
@require_http_methods(["GET", "POST"])
def subscriptions(request: AuthedRequest, school: School) -> HttpResponse:
    """Make or reset the person's own feed, and (for the leader) the school's. The address is
    shown only right after it is made, because only its hash is stored."""
    is_leader = request.user.is_leader_of(school)
    new_url = ""
    which = ""
    if request.method == "POST":
        which = request.POST.get("which", "")
        if which == "school" and is_leader:
            key = CalendarFeed.issue(school, None)
        elif which == "me":
            key = CalendarFeed.issue(school, request.user)
        else:
            messages.error(request, _("Choose which calendar address to make."))
            return redirect("calendar:subscriptions", school.slug)
        new_url = feed_url(request, key)
    existing = set(
        CalendarFeed.objects.filter(school=school)
        .filter(Q(user=request.user) | Q(user__isnull=True))
        .values_list("user_id", flat=True)
    )
    return no_store(
        render(
            request,
            "planning/subscriptions.html",
            {
                "school": school,
                "is_leader": is_leader,
                "new_url": new_url,
                "new_webcal": new_url.replace("https://", "webcal://").replace(
                    "http://", "webcal://"
                ),
                "which": which,
                "has_school_feed": None in existing,
                "has_own_feed": request.user.pk in existing,
            },
        )
    )
