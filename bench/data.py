"""The data the benchmarks and the load test run on, built with bulk inserts (and, for the
national data set, INSERT … SELECT in PostgreSQL) so that 7 million answers take about a
minute, not an hour. Everything is made through the app's own models and services where
speed allows, so the data looks like what the app makes itself."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone

from dialoog.middleware import SEEN_AT
from focusgroups.models import FocusPhase, FocusSession
from schools import live
from schools.models import Membership, School, Team, User
from surveys.models import Draft, Invitation, QuestionnaireTemplate, Round, TemplateItem, sizes_of
from surveys.retention import tally_closed
from surveys.sealing import Answers, seal
from surveys.services import past_round, round_open, submit_answers
from surveys.views import SESSION_KEY as ANSWER_SESSION_KEY

UNUSABLE = "!"  # nobody can log in with this password
ITEMS = 40
BENCH_TEMPLATE = "Benchmark: 40 uitspraken"


def questionnaire_of_40() -> QuestionnaireTemplate:
    """The active questionnaire (34 statements) plus six more from its own themes: the
    40-item questionnaire the issue measures."""
    existing = QuestionnaireTemplate.objects.filter(name_nl=BENCH_TEMPLATE).first()
    if existing is not None:
        return existing
    source = QuestionnaireTemplate.objects.filter(is_active=True).order_by("pk").first()
    if source is None:
        raise RuntimeError("no active questionnaire: run migrate first")
    template = QuestionnaireTemplate.objects.create(
        name_nl=BENCH_TEMPLATE, name_en="Benchmark: 40 statements", is_active=False
    )
    items = list(source.items.order_by("order", "pk"))
    copies = [*items, *items[: ITEMS - len(items)]]
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            block=item.block,
            theme_id=item.theme_id,
            order=n,
            text_nl=item.text_nl if n < len(items) else f"{item.text_nl} (herhaald)",
            text_en=item.text_en,
            reverse_scored=item.reverse_scored,
            key=item.key if n < len(items) else "",
        )
        for n, item in enumerate(copies)
    )
    return template


def _teachers(school: School, n: int, prefix: str, team: Team | None = None) -> list[User]:
    users = User.objects.bulk_create(
        User(email=f"{prefix}-{i}@bench.test", full_name=f"Leerkracht {i}", password=UNUSABLE)
        for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(user=u, school=school, role=Membership.Role.TEACHER, team=team) for u in users
    )
    return users


def _answered_round(
    school: School,
    leader: User,
    template: QuestionnaireTemplate,
    closes_at: datetime,
    rng: random.Random,
) -> Round:
    """A closed round every teacher answered, through the app's own submit."""
    round_ = past_round(school=school, template=template, closes_at=closes_at, created_by=leader)
    opens_at = round_.opens_at
    item_ids = list(round_.version.items.values_list("pk", flat=True))
    for invitation in Invitation.objects.filter(round=round_).select_related("round__version"):
        scores = {str(pk): rng.choice([0, 2, 3, 3, 4, 4, 4, 5]) for pk in item_ids}
        Draft.sealed(invitation, Answers(scores=scores)).save()
        submit_answers(invitation_id=invitation.pk, now=opens_at + timedelta(days=1))
    tally_closed(now=timezone.now(), round_ids=[round_.pk])
    return round_


@dataclass(frozen=True)
class DashboardSchool:
    school: School
    leader: User
    focus: FocusSession


def dashboard_school(prefix: str, *, years: int = 6, teachers: int = 25) -> DashboardSchool:
    """A school with two rounds a year for ``years`` years, each answered by every teacher,
    its year plan and topics, and a focus group running now."""
    from planning.calendar import seed_year_plan
    from planning.topics import seed_topics

    with transaction.atomic():
        school = School.objects.create(name=f"Basisschool {prefix}", slug=prefix, region="midden")
        leader = User.objects.create(
            email=f"{prefix}-leider@bench.test", full_name="Schoolleider", password=UNUSABLE
        )
        Membership.objects.create(user=leader, school=school, role=Membership.Role.LEADER)
        team = Team.objects.create(school=school, name="Team")
        _teachers(school, teachers, prefix, team)
        template = QuestionnaireTemplate.objects.filter(is_active=True).order_by("pk").first()
        assert template is not None
        rng = random.Random(2019)
        now = timezone.now()
        rounds = [
            _answered_round(school, leader, template, now - timedelta(days=42 + 182 * n), rng)
            for n in range(2 * years)
        ]
        focus = FocusSession.objects.create(
            round=rounds[0], created_by=leader, title="Focusgroep", paused=False
        )
        FocusPhase.objects.create(session=focus, order=1, kind="checkin", minutes=5)
        tally_closed(now=now, round_ids=[r.pk for r in rounds])  # as the beat did
        seed_year_plan(school, leader)
        seed_topics(school)
    return DashboardSchool(school=school, leader=leader, focus=focus)


def session_cookie(data: dict[str, object]) -> str:
    """A session made by the app's own session store (so also in the cache, as in use)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(data)
    store.set_expiry(24 * 3600)  # forget_runs() removes them
    store.create()
    assert store.session_key is not None
    return store.session_key


def logged_in(user: User) -> str:
    """A session key for ``user``, as if they had just logged in."""
    return session_cookie(
        {
            AUTH_SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SEEN_AT: int(timezone.now().timestamp()),
        }
    )


def phone_in(focus: FocusSession) -> str:
    """A session key for a phone that joined ``focus``."""
    return session_cookie({live.held_key(FocusSession): focus.pk})


def _open_round(school: School) -> Round:
    now = timezone.now()
    return round_open(
        school=school,
        team=None,
        template=questionnaire_of_40(),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=14),
        threshold=5,
        open_threshold=5,
        created_by=None,
        now=now - timedelta(days=1),  # as if planned earlier: no e-mails are queued now
    )


def invited(prefix: str, n: int) -> list[str]:
    """``n`` teachers of one school invited to an open round of the 40-item questionnaire,
    nothing answered yet: the tokens of their e-mailed links."""
    with transaction.atomic():
        school = School.objects.create(name=f"Basisschool {prefix}", slug=prefix, region="noord")
        _teachers(school, n, prefix)
        invitations = list(Invitation.objects.filter(round=_open_round(school)))
        tokens = [invitation.new_token() for invitation in invitations]
        Invitation.objects.bulk_update(invitations, ["token_hash"], batch_size=2000)
    return tokens


def ready_to_submit(prefix: str, n: int) -> list[str]:
    """``n`` teachers of one school, each with a complete draft of the 40-item questionnaire
    in an open round and a session that holds their invitation: one submit each."""
    with transaction.atomic():
        school = School.objects.create(name=f"Basisschool {prefix}", slug=prefix, region="noord")
        _teachers(school, n, prefix)
        now = timezone.now()
        round_ = _open_round(school)
        item_ids = list(round_.version.items.values_list("pk", flat=True))
        assert len(item_ids) == ITEMS
        rng = random.Random(7)
        invitations = list(Invitation.objects.filter(round=round_).values_list("pk", flat=True))
        sizes = sizes_of(round_.version)
        Draft.objects.bulk_create(
            Draft(
                invitation_id=pk,
                scores=seal({str(i): rng.randint(0, 5) for i in item_ids}, sizes.scores),
                texts=seal({}, sizes.texts),
            )
            for pk in invitations
        )
        expires = now + timedelta(days=1)  # forget_runs() removes them
        keys = []
        sessions = []
        for pk in invitations:
            key = secrets.token_hex(16)
            keys.append(key)
            sessions.append(
                Session(
                    session_key=key,
                    session_data=SessionStore().encode({ANSWER_SESSION_KEY: pk}),
                    expire_date=expires,
                )
            )
        Session.objects.bulk_create(sessions, batch_size=2000)
    # The copy in the cache that opening the e-mailed link would have left (cached_db).
    store = caches[settings.SESSION_CACHE_ALIAS]
    store.set_many(
        {
            f"{CACHED_DB_PREFIX}{session.session_key}": {ANSWER_SESSION_KEY: pk}
            for session, pk in zip(sessions, invitations, strict=True)
        },
        timeout=24 * 3600,
    )
    return keys


NATIONAL_PREFIX = "landelijk"


def national(schools: int = 7000, teachers_per_school: int = 25) -> int:
    """``schools`` schools of ``teachers_per_school`` teachers, each school with one released
    round of the 40-item questionnaire that every teacher answered: 7,000 x 25 x 40 = 7
    million answers, counted into tallies as the beat does after closing. Built once; returns
    the number of answers of the set."""
    template = questionnaire_of_40()
    if School.objects.filter(slug=f"{NATIONAL_PREFIX}-0").exists():
        tally_closed(now=timezone.now())  # as the beat does (a no-op once counted)
        return _national_answers()
    now = timezone.now()
    with transaction.atomic():
        built = School.objects.bulk_create(
            (
                School(name=f"School {i}", slug=f"{NATIONAL_PREFIX}-{i}", region="midden")
                for i in range(schools)
            ),
            batch_size=2000,
        )
        version = template.freeze()
        rng = random.Random(2024)
        Round.objects.bulk_create(
            (
                Round(
                    school=school,
                    version=version,
                    opens_at=now - timedelta(days=rng.randint(30, 300)),
                    closes_at=now - timedelta(days=rng.randint(1, 29)),
                    threshold=5,
                    open_threshold=5,
                    box_opened_at=now,  # written below as an opened ballot box leaves them
                )
                for school in built
            ),
            batch_size=2000,
        )
        first, last = built[0].pk, built[-1].pk
        with connection.cursor() as cursor:
            # One teacher per (school, n); their e-mail is unique and they cannot log in.
            cursor.execute(
                """
                INSERT INTO schools_user (password, is_superuser, email, full_name, language,
                                          is_active, is_staff, date_joined)
                SELECT %(unusable)s, false, 'l' || s.id || '-' || n || '@landelijk.test',
                       'Leerkracht ' || n, 'nl', true, false, now()
                FROM schools_school s, generate_series(1, %(per)s) n
                WHERE s.id BETWEEN %(first)s AND %(last)s
                """,
                {"unusable": UNUSABLE, "per": teachers_per_school, "first": first, "last": last},
            )
            cursor.execute(
                """
                INSERT INTO schools_membership (role, created_at, user_id, school_id)
                SELECT 'teacher', now(), u.id, s.id
                FROM schools_school s
                CROSS JOIN generate_series(1, %(per)s) n
                JOIN schools_user u ON u.email = 'l' || s.id || '-' || n || '@landelijk.test'
                WHERE s.id BETWEEN %(first)s AND %(last)s
                """,
                {"per": teachers_per_school, "first": first, "last": last},
            )
            # One response per teacher (responses carry no link to a person).
            cursor.execute(
                """
                INSERT INTO surveys_response (id, round_id)
                SELECT gen_random_uuid(), r.id
                FROM surveys_round r, generate_series(1, %(per)s)
                WHERE r.school_id BETWEEN %(first)s AND %(last)s
                """,
                {"per": teachers_per_school, "first": first, "last": last},
            )
            # Every response answers every item: 1-5, now and then "don't know" (NULL).
            cursor.execute(
                """
                INSERT INTO surveys_answer (response_id, item_id, value)
                SELECT resp.id, i.id,
                       CASE WHEN random() < 0.05 THEN NULL ELSE 1 + floor(random() * 5) END
                FROM surveys_response resp
                JOIN surveys_round r ON r.id = resp.round_id
                JOIN surveys_item i ON i.version_id = r.version_id
                WHERE r.school_id BETWEEN %(first)s AND %(last)s
                """,
                {"first": first, "last": last},
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tally_closed(now=timezone.now())  # as the beat does after each round closes
    return _national_answers()


def _national_answers() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM surveys_answer a
            JOIN surveys_response resp ON resp.id = a.response_id
            JOIN surveys_round r ON r.id = resp.round_id
            JOIN schools_school s ON s.id = r.school_id
            WHERE s.slug LIKE %s
            """,
            [f"{NATIONAL_PREFIX}-%"],
        )
        return int(cursor.fetchone()[0])


RUN_PREFIX = "bench-run-"


def forget_runs() -> None:
    """Remove what earlier runs made (their schools, people and sessions); the national data
    set stays, it takes minutes to build."""
    School.objects.filter(slug__startswith=RUN_PREFIX).delete()
    User.objects.filter(email__startswith=RUN_PREFIX, email__endswith="@bench.test").delete()
    Session.objects.filter(expire_date__lt=timezone.now() + timedelta(days=2)).delete()
