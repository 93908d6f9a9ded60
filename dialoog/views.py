from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_stubs_ext import StrOrPromise

from dialoog.celery import app as celery_app
from focusgroups.models import FocusSession
from interventions.models import Theme
from nudges.content import decorate
from nudges.models import Nudge
from planning.models import Activity, school_year
from planning.topics import upcoming_meetings
from schools.models import (
    RETENTION_MONTHS_DEFAULT,
    RETENTION_MONTHS_MAX,
    RETENTION_MONTHS_MIN,
    Board,
    Membership,
    School,
    Team,
    User,
)
from schools.tenancy import AuthedRequest, school_view
from surveys.anonymity import Gate, round_gates, theme_trend, turnout
from surveys.models import Invitation, Round
from surveys.report import RoundReport, latest_released, school_rounds
from surveys.report import build as build_report


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where their work is: a leader to the dashboard, a teacher to
    their own page; someone with several schools, or a board admin, picks one."""
    schools = list(School.objects.for_user(request.user))
    boards = list(Board.objects.administered_by(request.user))
    if len(schools) == 1 and not boards:
        school = schools[0]
        name = "dashboard" if request.user.is_leader_of(school) else "teacher_home"  # type: ignore[union-attr]
        return redirect(name, school_slug=school.slug)
    led = set(School.objects.led_by(request.user).values_list("pk", flat=True))
    return render(request, "dialoog/home.html", {"schools": schools, "led": led, "boards": boards})


@dataclass
class CycleStep:
    key: str
    title: StrOrPromise
    status: str  # "ready", "todo" or "not_started"; drives the badge colour
    detail: StrOrPromise
    url: str | None = None

    STATES = {
        "ready": _("Ready"),
        "todo": _("To do"),
        "busy": _("Being counted"),
        "short": _("Too few answers"),
        "not_started": _("Not started"),
    }

    @property
    def state(self) -> str:
        return str(self.STATES[self.status])


@school_view(lead=True)
@require_GET
def dashboard(request: AuthedRequest, school: School) -> HttpResponse:
    """The leader's overview: the cycle's steps, the latest released results, reminders.

    Built on every visit, so kept to a fixed number of queries whatever the school's history:
    its rounds are read once, and the released results come from their tallies."""

    now = timezone.now()

    counts = Membership.objects.filter(school=school).aggregate(
        teachers=Count("pk", filter=Q(role=Membership.Role.TEACHER)),
        without_team=Count("pk", filter=Q(role=Membership.Role.TEACHER, team__isnull=True)),
    )
    teams = Team.objects.filter(school=school).count()
    teachers = counts["teachers"]
    rounds = school_rounds(school)  # newest first
    gates = round_gates([r for r in rounds if r.is_closed(now)], now)
    latest = latest_released(school, now, rounds, gates)
    report = (
        build_report(latest, now, with_open_answers=False, rounds=rounds, gates=gates)
        if latest
        else None
    )
    mine = Nudge.objects.for_school(school).filter(recipient=request.user)
    # Up to 50 are counted (the step and the navigation say how many); five are shown.
    open_nudges = list(mine.visible(now).order_by("-created_at")[:50])
    request.open_nudge_count = len(open_nudges)  # type: ignore[attr-defined]
    steps = [
        CycleStep(
            "team",
            _("Team"),
            "ready" if teachers else "todo",
            ngettext("%(n)s teacher", "%(n)s teachers", teachers) % {"n": teachers}
            + " · "
            + ngettext("%(n)s team", "%(n)s teams", teams) % {"n": teams},
        ),
        _round_step(school, rounds[0] if rounds else None, gates, now),
        _results_step(school, report),
        _interviews_step(school, report),
        _focus_step(school),
        _plan_step(school, now),
        _nudges_step(school, len(open_nudges)),
    ]
    return render(
        request,
        "dialoog/dashboard.html",
        {
            "school": school,
            "steps": steps,
            "counts": counts,
            "team_count": teams,
            "report": report,
            "open_nudges": decorate(open_nudges[:5]),
        },
    )


def _nudges_step(school: School, n: int) -> CycleStep:
    """``n``: the leader's open reminders."""
    url = reverse("nudges:list", kwargs={"school_slug": school.slug})
    if not n:
        return CycleStep(
            "nudges", _("Reminders"), "ready", _("Nothing needs your attention right now."), url
        )
    detail = ngettext("%(n)s open reminder", "%(n)s open reminders", n) % {"n": n}
    return CycleStep("nudges", _("Reminders"), "todo", detail, url)


def _results_step(school: School, report: RoundReport | None) -> CycleStep:
    title = _("Results")
    if report is None:
        return CycleStep(
            "results", title, "not_started", _("Where the dialogue stalls and where tension sits.")
        )
    url = reverse("rounds:results", kwargs={"school_slug": school.slug, "pk": report.round.pk})
    if not report.released:
        return CycleStep("results", title, "todo", report.gate.message, url)
    detail = ngettext("%(n)s signal", "%(n)s signals", len(report.signals)) % {
        "n": len(report.signals)
    }
    return CycleStep("results", title, "ready", detail, url)


def _interviews_step(school: School, report: RoundReport | None) -> CycleStep:
    title = _("Interviews")
    if report is None:
        return CycleStep("interviews", title, "not_started", _("One conversation per teacher."))
    held = report.round.interviews.count()
    url = reverse(
        "interviews:list", kwargs={"school_slug": school.slug, "round_pk": report.round.pk}
    )
    detail = ngettext("%(n)s interview", "%(n)s interviews", held) % {"n": held}
    return CycleStep("interviews", title, "ready" if held else "todo", detail, url)


def _focus_step(school: School) -> CycleStep:
    url = reverse("focus:list", kwargs={"school_slug": school.slug})
    # Both counts in one query: each session joined to its agreements.
    held = FocusSession.objects.for_school(school).aggregate(
        sessions=Count("pk", distinct=True), agreements=Count("agreements")
    )
    if not held["sessions"]:
        return CycleStep(
            "focus", _("Focus group"), "todo", _("The team reads its results together."), url
        )
    agreements = held["agreements"]
    detail = ngettext("%(n)s agreement or goal", "%(n)s agreements and goals", agreements) % {
        "n": agreements
    }
    return CycleStep("focus", _("Focus group"), "ready" if agreements else "todo", detail, url)


def _plan_step(school: School, now: datetime) -> CycleStep:
    url = reverse("calendar:year", kwargs={"school_slug": school.slug})
    start, end = school_year(timezone.localdate(now))
    planned = Activity.objects.filter(
        school=school, starts_at__date__gte=start, starts_at__date__lte=end
    ).count()
    if not planned:
        return CycleStep(
            "plan", _("Year plan"), "todo", _("Interventions in the annual calendar."), url
        )
    detail = ngettext(
        "%(n)s activity this school year", "%(n)s activities this school year", planned
    ) % {"n": planned}
    return CycleStep("plan", _("Year plan"), "ready", detail, url)


def _round_step(
    school: School, latest: Round | None, gates: Mapping[int, Gate], now: datetime
) -> CycleStep:
    """``latest``: the school's newest round, whatever its state. Closed, it is ready only
    once its results are released: a round that closed below its threshold says so."""
    url = reverse("rounds:rounds", kwargs={"school_slug": school.slug})
    if latest is None:
        return CycleStep(
            "round", _("Questionnaire round"), "todo", _("Every teacher answers anonymously."), url
        )
    status = latest.status(now)
    gate = gates.get(latest.pk)
    parts = [latest.audience, latest.get_status_label(status), turnout(latest, gate=gate).label]
    if gate is None:
        state = "todo"
    elif gate.released:
        state = "ready"
    elif gate.reason == "counting":
        state = "busy"
    else:  # closed below the threshold: the gate says what that means
        state, parts = "short", [*parts[:2], gate.message]
    url = reverse("rounds:round", kwargs={"school_slug": school.slug, "pk": latest.pk})
    return CycleStep("round", _("Questionnaire round"), state, " · ".join(map(str, parts)), url)


@school_view(lead=False)
@require_GET
def teacher_home(request: AuthedRequest, school: School) -> HttpResponse:
    membership = (
        Membership.objects.filter(school=school, user=request.user).select_related("team").first()
    )

    # The teacher's own questionnaires that are open now (their own "done" is theirs to see).
    invitations = (
        Invitation.objects.for_school(school)
        .filter(user=request.user, round__in=Round.objects.open(timezone.now()))
        .select_related("round", "round__version", "round__team")
    )

    return render(
        request,
        "dialoog/teacher_home.html",
        {
            "school": school,
            "membership": membership,
            "invitations": invitations,
            "meetings": upcoming_meetings(school, limit=3),
        },
    )


@login_required
@require_GET
def board_overview(request: HttpRequest, board_slug: str) -> HttpResponse:
    """The board's schools side by side: each school's latest released round per theme. No
    board-wide figure is shown, so no school's answers can be derived by subtraction."""

    board = get_object_or_404(Board.objects.administered_by(request.user), slug=board_slug)
    now = timezone.now()
    schools = list(board.schools.order_by("name"))
    latest: dict[int, Round] = {}
    for round_ in (
        Round.objects.filter(school__board=board)
        .closed(now)
        .select_related("team")
        .order_by("school_id", "closes_at")
    ):
        if round_.team_id is None:
            latest[round_.school_id] = round_  # the last whole-school round wins
    trend = theme_trend(list(latest.values()), now)

    themes = list(Theme.objects.all())
    rows = [
        {
            "school": school,
            "round": latest.get(school.pk),
            "means": [
                trend.get(latest[school.pk].pk, {}).get(t.number) if school.pk in latest else None
                for t in themes
            ],
            "released": school.pk in latest and latest[school.pk].pk in trend,
        }
        for school in schools
    ]
    return render(request, "dialoog/board.html", {"board": board, "themes": themes, "rows": rows})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_BROKER_TIMEOUT)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """What dialoog stores about whom, why and for how long, in plain words (docs/privacy.md is
    the table-by-table version for the back office)."""
    retention = {
        "default": RETENTION_MONTHS_DEFAULT,
        "low": RETENTION_MONTHS_MIN,
        "high": RETENTION_MONTHS_MAX,
    }
    return render(request, "dialoog/privacy.html", {"retention": retention})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Pages name their icon (base.html); this is for clients that ask the old address."""
    return redirect(static("img/favicon.svg"), permanent=True)


def healthz(request: HttpRequest) -> JsonResponse:
    database, broker = _database_ok(), _broker_ok()
    ok = database and broker
    return JsonResponse(
        {
            "status": "ok" if ok else "error",
            "database": "ok" if database else "down",
            "broker": "ok" if broker else "down",
        },
        status=200 if ok else 503,
    )


@require_http_methods(["POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, and for a logged-in person also their saved preference,
    so e-mails follow the language they read the app in."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
