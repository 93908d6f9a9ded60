"""The rules and the scan that applies them to every school at once.

Each rule is a question about *all* schools, answered with a fixed number of queries (the
thresholds per school are applied to the rows in Python), so a scan over 7,000 schools costs
the same number of queries as a scan over one. ``scan`` then:

1. works out every nudge that should exist now (``Want``);
2. inserts the missing ones in one statement that skips existing rows (the unique constraint
   on rule, school, recipient and period makes rescans and concurrent scans harmless);
3. reopens snoozed nudges whose time has come, and resolves live nudges whose condition no
   longer holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone

from focusgroups.models import Agreement, FocusSession
from interviews.models import InterviewNote
from planning.models import Activity, SchoolHoliday, school_year
from schools.models import Membership, School, User
from surveys.models import Answer, Invitation, Item, Round
from surveys.signals import SCALE, ItemStats, tension_signals

from .models import DEMO_PERIOD, THRESHOLDS, Nudge, Rule, default_thresholds

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SEND_AT = time(7, 30)
# After 18:00 a mail waits for the next school day's morning.
SEND_UNTIL = time(18, 0)
# Rounds and sessions older than this no longer nudge (R2, R3): the moment has passed.
RECENT = timedelta(weeks=8)
# Two days before a round closes comes the last respondent reminder.
LAST_CALL = timedelta(days=2)

DIALOGUE_KINDS = [k for k in Activity.Kind.values if k != Activity.Kind.OTHER]
DISCUSSION_KINDS = [Activity.Kind.FOCUS_GROUP, Activity.Kind.GROUP_REFLECTION]
MEETING_KINDS = [
    Activity.Kind.TEAM_MEETING,
    Activity.Kind.STUDY_DAY,
    Activity.Kind.GROUP_REFLECTION,
    Activity.Kind.EVALUATION,
]
PRACTICE_KINDS = [
    Activity.Kind.FEEDBACK_PRACTICE,
    Activity.Kind.CONVERSATION_PRACTICE,
    Activity.Kind.PEER_CONSULTATION,
]


# Placeholders for Scope.url: no real slug or primary key looks like these.
SLUG_MARK = "nudge-slug-mark"
ARG_MARK = 987654321


@dataclass(frozen=True)
class Want:
    rule: str
    school_id: int
    recipient_id: int
    period: str
    target_id: int | None = None
    # Where the person acts on it; not part of what makes two nudges the same.
    link: str = field(default="", compare=False, hash=False)


def term(day: date) -> tuple[date, date]:
    """The half of the school year ``day`` falls in: August-January or February-July."""
    first, last = school_year(day)
    february = date(last.year, 2, 1)
    if day < february:
        return first, february - timedelta(days=1)
    return february, last


def is_school_day(day: date, holidays: list[SchoolHoliday]) -> bool:
    return day.weekday() < 5 and not any(h.starts_on <= day <= h.ends_on for h in holidays)


def send_time(now: datetime, holidays: list[SchoolHoliday]) -> datetime:
    """When an e-mail created at ``now`` may go out: now on a school day between 07:30 and
    18:00, otherwise the next school day (no weekend, no holiday of the region) at 07:30."""
    local = timezone.localtime(now, AMSTERDAM)
    day = local.date()
    if is_school_day(day, holidays) and SEND_AT <= local.time() < SEND_UNTIL:
        return now
    if not (is_school_day(day, holidays) and local.time() < SEND_AT):
        day += timedelta(days=1)
        while not is_school_day(day, holidays):
            day += timedelta(days=1)
    return datetime.combine(day, SEND_AT, tzinfo=AMSTERDAM)


@dataclass
class Scope:
    """Everything the rules read, loaded once for all schools in scope."""

    now: datetime
    today: date
    schools: QuerySet[School]
    thresholds: dict[int, dict[str, int]] = field(default_factory=dict)
    regions: dict[int, str] = field(default_factory=dict)
    slugs: dict[int, str] = field(default_factory=dict)
    url_templates: dict[tuple[str, int], str] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    teachers: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    occurrences: list[tuple[Activity, datetime]] = field(default_factory=list)
    holidays: dict[str, list[SchoolHoliday]] = field(default_factory=lambda: defaultdict(list))

    def load(self) -> None:
        defaults = default_thresholds()
        columns = [f"nudge_settings__{name}" for name in THRESHOLDS]
        for row in self.schools.values("pk", "region", "slug", *columns):
            self.regions[row["pk"]] = row["region"]
            self.slugs[row["pk"]] = row["slug"]
            self.thresholds[row["pk"]] = {
                name: row[f"nudge_settings__{name}"] or defaults[name] for name in THRESHOLDS
            }
        for school_id, user_id, role in Membership.objects.filter(
            school__in=self.schools,
            role__in=(Membership.Role.LEADER, Membership.Role.TEACHER),
            user__is_active=True,
        ).values_list("school_id", "user_id", "role"):
            (self.leaders if role == Membership.Role.LEADER else self.teachers)[school_id].append(
                user_id
            )
        longest = max(
            [t["quiet_weeks"] * 7 for t in self.thresholds.values()]
            + [t["agenda_days"] for t in self.thresholds.values()]
            + [7 * t["discuss_within_weeks"] for t in self.thresholds.values()]
            + [0]
        )
        start = min(term(self.today)[0], self.today - RECENT)
        end = max(term(self.today)[1], self.today + timedelta(days=longest))
        self.occurrences = Activity.objects.filter(school__in=self.schools).occurrences(start, end)
        for holiday in SchoolHoliday.objects.overlapping(
            self.today, self.today + timedelta(days=120)
        ):
            self.holidays[holiday.region].append(holiday)

    def threshold(self, school_id: int, name: str) -> int:
        return self.thresholds[school_id][name]

    def url(self, school_id: int, name: str, *args: int, query: str = "") -> str:
        """``reverse`` once per URL name, then fill in: reversing for each of 20,000 nudges
        would take most of a big scan's time."""
        key = (name, len(args))
        if key not in self.url_templates:
            self.url_templates[key] = reverse(
                name, args=[SLUG_MARK, *(ARG_MARK + n for n in range(len(args)))]
            )
        path = self.url_templates[key].replace(SLUG_MARK, self.slugs[school_id], 1)
        for n, value in enumerate(args):
            path = path.replace(f"/{ARG_MARK + n}/", f"/{value}/", 1)
        return f"{path}?{query}" if query else path

    def to_leaders(
        self, rule: str, school_id: int, period: str, target: int | None, link: str
    ) -> list[Want]:
        return [
            Want(rule, school_id, user_id, period, target, link)
            for user_id in self.leaders[school_id]
        ]


# --- The rules --------------------------------------------------------------------------------


def r1_keep_going(scope: Scope) -> list[Want]:
    """No activity on the professional dialogue in the coming ``quiet_weeks`` of the plan."""
    busy: dict[int, list[datetime]] = defaultdict(list)
    for activity, moment in scope.occurrences:
        if activity.kind in DIALOGUE_KINDS and moment >= scope.now:
            busy[activity.school_id].append(moment)
    wants = []
    for school_id in scope.thresholds:
        horizon = scope.now + timedelta(weeks=scope.threshold(school_id, "quiet_weeks"))
        if not any(moment <= horizon for moment in busy[school_id]):
            link = scope.url(school_id, "calendar:activity_new", query="kind=team_meeting")
            wants += scope.to_leaders(
                Rule.R1_KEEP_GOING, school_id, f"{scope.today:%Y-%m}", None, link
            )
    return wants


def _empty_counts() -> dict[Any, int]:
    counts: dict[Any, int] = {v: 0 for v in SCALE}
    counts[None] = 0
    return counts


def _released_distributions(rounds: QuerySet[Round]) -> dict[int, dict[int, dict[Any, int]]]:
    """Per round, per item: the counts of each value, for rounds whose responses reach their
    anonymity threshold (the same gate as the results page). Two queries for all rounds."""
    released = rounds.annotate(n=Count("responses")).filter(n__gte=F("threshold"))
    result: dict[int, dict[int, dict[Any, int]]] = defaultdict(dict)
    rows = (
        Answer.objects.filter(response__round__in=released.values("pk"))
        .values("response__round_id", "item_id", "value")
        .annotate(n=Count("item"))
        .order_by()
    )
    for row in rows:
        counts = result[row["response__round_id"]].setdefault(row["item_id"], _empty_counts())
        counts[row["value"]] = row["n"]
    return result


def r2_name_it(scope: Scope) -> list[Want]:
    """A recently closed round with tension signals and no focus group or group reflection
    planned between its closing and ``discuss_within_weeks`` from now."""
    rounds = Round.objects.filter(
        school__in=scope.schools, closes_at__lte=scope.now, closes_at__gt=scope.now - RECENT
    )
    candidates = list(rounds.values("pk", "school_id", "closes_at", "version_id"))
    held = set(
        FocusSession.objects.filter(round__in=rounds.values("pk")).values_list(
            "round_id", flat=True
        )
    )
    distributions = _released_distributions(rounds)
    items: dict[int, list[Item]] = defaultdict(list)
    for item in Item.objects.filter(version__rounds__in=rounds.values("pk")).distinct():
        items[item.version_id].append(item)
    discussions: dict[int, list[datetime]] = defaultdict(list)
    for activity, moment in scope.occurrences:
        if activity.kind in DISCUSSION_KINDS:
            discussions[activity.school_id].append(moment)
    wants = []
    for row in candidates:
        if row["pk"] in held or row["pk"] not in distributions:
            continue
        counts = distributions[row["pk"]]
        stats = [
            ItemStats(
                item_id=item.pk,
                theme=item.theme_id,
                block=item.block,
                key=item.key,
                reverse_scored=item.reverse_scored,
                counts=counts.get(item.pk) or _empty_counts(),
            )
            for item in items[row["version_id"]]
        ]
        if not tension_signals(stats):
            continue
        school_id = row["school_id"]
        until = scope.now + timedelta(weeks=scope.threshold(school_id, "discuss_within_weeks"))
        if any(row["closes_at"] <= m <= until for m in discussions[school_id]):
            continue
        link = scope.url(school_id, "calendar:activity_new", query="kind=focus_group")
        wants += scope.to_leaders(Rule.R2_NAME_IT, school_id, f"round-{row['pk']}", row["pk"], link)
    return wants


def r3_agreements(scope: Scope) -> list[Want]:
    """A closed focus group without agreements, or an agreement past its review date that no
    calendar activity reviews."""
    year_start = school_year(scope.today)[0]
    sessions = (
        FocusSession.objects.filter(
            round__school__in=scope.schools,
            closed_at__isnull=False,
            closed_at__date__gte=year_start,
        )
        .annotate(n=Count("agreements"))
        .filter(n=0)
        .values_list("pk", "round__school_id")
    )
    wants = []
    for pk, school_id in sessions:
        link = scope.url(school_id, "focus:summary", pk)
        wants += scope.to_leaders(Rule.R3_AGREEMENTS, school_id, f"session-{pk}", pk, link)
    overdue = Agreement.objects.filter(
        session__round__school__in=scope.schools,
        review_on__lt=scope.today,
        review_on__gte=scope.today - timedelta(days=365),
        activities__isnull=True,
    ).values_list("pk", "session__round__school_id")
    for pk, school_id in overdue:
        link = scope.url(school_id, "focus:agreements")
        wants += scope.to_leaders(Rule.R3_AGREEMENTS, school_id, f"agreement-{pk}", pk, link)
    return wants


def r4_help(scope: Scope) -> list[Want]:
    """An interview note flagged "wants help to raise something" that has not been marked
    followed up ``follow_up_weeks`` after it was written."""
    notes = InterviewNote.objects.filter(
        interview__round__school__in=scope.schools,
        wants_help=True,
        followed_up_on__isnull=True,
        created_at__lte=scope.now - timedelta(weeks=1),
    ).values_list("pk", "interview__round__school_id", "created_at", "interview_id")
    wants = []
    for pk, school_id, created_at, interview_id in notes:
        weeks = scope.threshold(school_id, "follow_up_weeks")
        if created_at <= scope.now - timedelta(weeks=weeks):
            link = scope.url(school_id, "interviews:detail", interview_id)
            wants += scope.to_leaders(Rule.R4_HELP, school_id, f"note-{pk}", pk, link)
    return wants


def r5_facilitate(scope: Scope) -> list[Want]:
    """A meeting within ``agenda_days`` with an empty agenda (to the leader); every team
    meeting within ``agenda_days`` (to the teachers: suggest topics); no practice moment in
    the plan this term (to the leader)."""
    first, last = term(scope.today)
    practised: set[int] = set()
    wants = []
    for activity, moment in scope.occurrences:
        school_id = activity.school_id
        if activity.kind in PRACTICE_KINDS and first <= moment.date() <= last:
            practised.add(school_id)
        if not scope.now <= moment:
            continue
        if moment > scope.now + timedelta(days=scope.threshold(school_id, "agenda_days")):
            continue
        period = f"activity-{activity.pk}-{moment:%Y%m%d}"
        if activity.kind in MEETING_KINDS and not activity.agenda.strip():
            link = scope.url(school_id, "calendar:activity_edit", activity.pk)
            wants += scope.to_leaders(Rule.R5_AGENDA, school_id, period, activity.pk, link)
        if activity.kind == Activity.Kind.TEAM_MEETING:
            link = scope.url(school_id, "calendar:topics")
            wants += [
                Want(Rule.R5_TOPICS, school_id, user_id, period, activity.pk, link)
                for user_id in scope.teachers[school_id]
            ]
    for school_id in scope.thresholds:
        if school_id not in practised:
            link = scope.url(school_id, "calendar:activity_new", query="kind=conversation_practice")
            wants += scope.to_leaders(
                Rule.R5_PRACTICE, school_id, f"term-{first:%Y-%m}", None, link
            )
    return wants


def respondents(scope: Scope) -> list[Want]:
    """Teachers who have not finished an open round: a first reminder halfway through the
    round, a second two days before it closes, and never more than ``max_respondent_reminders``
    reminders in all per round, counting the reminders the leader already sent (an
    invitation's ``sent_count`` is the first e-mail plus every reminder)."""
    rows = (
        Invitation.objects.filter(
            round__school__in=scope.schools,
            round__opens_at__lte=scope.now,
            round__closes_at__gt=scope.now,
            done=False,
            user__is_active=True,
        )
        .of_members()
        .values_list(
            "round_id",
            "round__school_id",
            "user_id",
            "sent_count",
            "round__opens_at",
            "round__closes_at",
        )
    )
    wants = []
    for round_id, school_id, user_id, sent_count, opens_at, closes_at in rows:
        by_leader = max(sent_count - 1, 0)
        stage = 0
        if scope.now >= opens_at + (closes_at - opens_at) / 2:
            stage = 1
        if scope.now >= closes_at - LAST_CALL and closes_at - opens_at > 2 * LAST_CALL:
            stage = 2
        allowed = scope.threshold(school_id, "max_respondent_reminders") - by_leader
        for number in range(1, min(stage, allowed) + 1):
            period = f"round-{round_id}-{number}"
            link = scope.url(school_id, "teacher_home")
            wants.append(Want(Rule.RESPONDENTS, school_id, user_id, period, round_id, link))
    return wants


def reflect(scope: Scope) -> list[Want]:
    """The leader's own moment: every ``reflect_every_days`` a prompt to stop and reflect."""
    wants = []
    for school_id in scope.thresholds:
        every = scope.threshold(school_id, "reflect_every_days")
        number = scope.today.toordinal() // every
        link = scope.url(school_id, "nudges:reflections")
        wants += scope.to_leaders(Rule.REFLECT, school_id, f"every-{every}-{number}", None, link)
    return wants


RULES = [r1_keep_going, r2_name_it, r3_agreements, r4_help, r5_facilitate, respondents, reflect]


# --- The scan ---------------------------------------------------------------------------------


@dataclass
class ScanResult:
    wanted: int
    created: int
    resolved: int
    reopened: int


def scan(*, now: datetime, schools: QuerySet[School] | None = None) -> ScanResult:
    """Apply every rule to ``schools`` (default: all) at ``now``; see the module docstring."""
    # Not ``schools or ...``: an empty selection (a deleted school) must scan nothing.
    selected = School.objects.all() if schools is None else schools
    scope = Scope(now=now, today=timezone.localdate(now), schools=selected)
    scope.load()
    wanted: set[Want] = set()
    for rule in RULES:
        wanted.update(rule(scope))
    due = {
        school_id: send_time(now, scope.holidays[region])
        for school_id, region in scope.regions.items()
    }
    with transaction.atomic():
        live = list(
            Nudge.objects.filter(school__in=scope.schools)
            .live()
            .exclude(period=DEMO_PERIOD)
            .values_list("pk", "rule", "school_id", "recipient_id", "period", "target_id")
        )
        existing = {Want(*row[1:]) for row in live}
        before = Nudge.objects.filter(school__in=scope.schools).count()
        new = sorted(wanted - existing, key=lambda w: (w.school_id, w.rule, w.period))
        Nudge.objects.bulk_create(
            [
                Nudge(
                    rule=w.rule,
                    school_id=w.school_id,
                    recipient_id=w.recipient_id,
                    period=w.period,
                    target_id=w.target_id,
                    link=w.link,
                    due_at=due[w.school_id],
                )
                for w in new
            ],
            ignore_conflicts=True,
        )
        created = Nudge.objects.filter(school__in=scope.schools).count() - before
        gone = [row[0] for row in live if Want(*row[1:]) not in wanted]
        # A respondent reminder ends because the teacher finished: deleted rather than
        # resolved, so no row records when someone answered (an invitation's "done" has no
        # time for the same reason).
        finished, _ = Nudge.objects.filter(pk__in=gone, rule=Rule.RESPONDENTS).live().delete()
        resolved = finished + Nudge.objects.filter(pk__in=gone).live().update(
            state=Nudge.State.RESOLVED, closed_at=now
        )
        reopened = Nudge.objects.filter(
            school__in=scope.schools, state=Nudge.State.SNOOZED, snoozed_until__lte=now
        ).update(state=Nudge.State.OPEN, snoozed_until=None)
    return ScanResult(wanted=len(wanted), created=created, resolved=resolved, reopened=reopened)


def end_reminders_to_answer(
    sender: object, *, user_id: int, round_id: int, **kwargs: object
) -> None:
    """Receiver of ``surveys.services.questionnaire_sent``: the teacher answered, so the
    reminders to finish this round go in the same transaction. Kept, they would tell who has
    not answered yet."""
    Nudge.objects.live().filter(
        recipient_id=user_id, rule=Rule.RESPONDENTS, target_id=round_id
    ).delete()


def end_nudges_of_leaver(
    sender: object, *, user: User, school: School, now: datetime, **kwargs: object
) -> int:
    """Receiver of ``schools.signals.left_school``: the person's reminders about that school
    go (the scan would not make them again, as it reads memberships); those about another
    school where they still work stay. Returns how many were deleted."""
    _total, per_model = Nudge.objects.live().filter(recipient=user, school=school).delete()
    return per_model.get(Nudge._meta.label, 0)
