"""Interviews (stage two of the cycle): planning, coded notes with their flags, who may read
them, the interview themes across the team (above the threshold only), and the guide built
from the team's results."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from interventions.models import Theme
from interviews.models import Interview, InterviewNote
from interviews.views import GuideSection, build_guide
from schools.models import School, Team, User
from surveys.anonymity import Gate, item_distributions
from surveys.models import Block, Invitation, Item, Round
from surveys.report import ItemRow, RoundReport, ThemeRow
from surveys.report import build as build_report
from surveys.services import submit_answers
from surveys.signals import Signal

from .conftest import with_two_factor
from .factories import MembershipFactory, UserFactory
from .survey_helpers import close_and_count, open_round, write_draft

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_numbers = itertools.count()


# ---------------------------------------------------------------- helpers


def make_teachers(school: School, team: Team | None, n: int) -> list[User]:
    users = []
    for _ in range(n):
        i = next(_numbers)
        user = UserFactory.create(email=f"iv{i}@{school.slug}.test", full_name=f"Collega {i:03d}")
        MembershipFactory.create(user=user, school=school, team=team)
        users.append(user)
    return users


def closed_round(school: School, team: Team, answered: int = 5, threshold: int = 5) -> Round:
    """A closed round of ``team`` (every teacher of the team invited), ``answered`` of them
    submitted; released when that reaches the threshold. Needs at least ``answered``
    teachers in the team besides the ``teacher`` persona."""
    round_ = open_round(school, team=team, threshold=threshold, open_threshold=threshold)
    items = list(round_.version.items.all())
    invitations = list(
        Invitation.objects.filter(round=round_).exclude(user__email="teacher@linde.test")
    )
    for invitation in invitations[:answered]:
        write_draft(invitation, {str(item.pk): 4 for item in items})
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    close_and_count(round_)
    round_.refresh_from_db()
    return round_


def english(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def base(school: School) -> str:
    return f"/s/{school.slug}/interviews"


def plan_data(teacher: User | None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "teacher": teacher.pk if teacher else "",
        "scheduled_at": "2030-03-04T14:30",
        "brings_own_answers": "on",
    }
    data.update(overrides)
    return data


def themes(*numbers: int) -> list[int]:
    return list(Theme.objects.filter(number__in=numbers).values_list("pk", flat=True))


def add_note(interview: Interview, text: str = "Een notitie", *numbers: int, **flags: bool) -> None:
    note = InterviewNote.objects.create(interview=interview, text=text, **flags)
    note.themes.set(themes(*(numbers or (3,))))


@pytest.fixture
def round_(school: School, team: Team, teacher: User) -> Round:
    make_teachers(school, team, 6)
    return closed_round(school, team)


@pytest.fixture
def interview(round_: Round, teacher: User, leader: User) -> Interview:
    return Interview.objects.create(round=round_, teacher=teacher, created_by=leader)


# ---------------------------------------------------------------- planning


def test_the_leader_sees_the_audience_and_plans_an_interview(
    client: Client, leader: User, school: School, teacher: User, round_: Round
) -> None:
    english(client, leader)
    page = client.get(f"{base(school)}/{round_.pk}/").content.decode()
    assert page.count('data-testid="audience-row"') == 7
    assert "Tim Leerkracht" in page
    assert f"plan/?teacher={teacher.pk}" in page
    assert 'data-testid="themes-link"' in page

    form = client.get(f"{base(school)}/{round_.pk}/plan/?teacher={teacher.pk}").content.decode()
    assert f'<option value="{teacher.pk}" selected>Tim Leerkracht</option>' in form

    response = client.post(f"{base(school)}/{round_.pk}/plan/", plan_data(teacher))
    interview = Interview.objects.get(round=round_, teacher=teacher)
    assert response.status_code == 302
    assert response["Location"] == f"{base(school)}/interview/{interview.pk}/"
    # Entered in Amsterdam time (CET in March).
    assert interview.scheduled_at == datetime(2030, 3, 4, 14, 30, tzinfo=AMSTERDAM)
    assert interview.brings_own_answers
    assert interview.created_by == leader

    page = client.get(f"{base(school)}/{round_.pk}/").content.decode()
    assert "4 March 2030 14:30" in page
    # Planned teachers leave the list of choices.
    form = client.get(f"{base(school)}/{round_.pk}/plan/").content.decode()
    assert f'value="{teacher.pk}"' not in form


def test_an_interview_may_be_recorded_afterwards_with_a_past_date(
    client: Client, leader: User, school: School, teacher: User, round_: Round
) -> None:
    english(client, leader)
    response = client.post(
        f"{base(school)}/{round_.pk}/plan/", plan_data(teacher, scheduled_at="2020-01-10T09:00")
    )
    assert response.status_code == 302
    assert Interview.objects.get(teacher=teacher).scheduled_at == datetime(
        2020, 1, 10, 9, 0, tzinfo=AMSTERDAM
    )


def test_the_audience_list_does_not_show_who_answered(
    client: Client, leader: User, school: School, round_: Round
) -> None:
    english(client, leader)

    def page() -> str:
        html = client.get(f"{base(school)}/{round_.pk}/").content.decode()
        return re.sub(r"[A-Za-z0-9]{64}", "", html)  # the masked CSRF tokens

    before = page()
    Invitation.objects.filter(round=round_).update(done=False)
    assert page() == before
    Invitation.objects.filter(round=round_).update(done=True)
    assert page() == before


def test_bad_planning_input_is_refused_with_a_clear_message_and_kept(
    client: Client, leader: User, school: School, teacher: User, round_: Round, other_school: School
) -> None:
    english(client, leader)
    url = f"{base(school)}/{round_.pk}/plan/"

    page = client.post(url, plan_data(None, scheduled_at="2030-05-06T10:15")).content.decode()
    assert "Choose the teacher you will talk with." in page
    assert 'value="2030-05-06T10:15"' in page

    stranger = make_teachers(other_school, None, 1)[0]
    page = client.post(url, plan_data(stranger)).content.decode()
    assert "This person was not invited to this round" in page
    page = client.post(url, {**plan_data(None), "teacher": "abc"}).content.decode()
    assert "Choose a teacher from the list." in page
    assert not Interview.objects.exists()

    assert client.post(url, plan_data(teacher)).status_code == 302
    page = client.post(url, plan_data(teacher, scheduled_at="2030-06-01T08:00")).content.decode()
    assert "Tim Leerkracht already has an interview in this round." in page
    assert 'value="2030-06-01T08:00"' in page
    assert Interview.objects.count() == 1


# ---------------------------------------------------------------- notes


def test_the_leader_adds_a_coded_note_with_flags(
    client: Client, leader: User, school: School, interview: Interview
) -> None:
    english(client, leader)
    url = f"{base(school)}/interview/{interview.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="guide"' in page
    assert "Would it help if I joined that conversation?" in page
    assert 'name="text"' in page
    assert "<fieldset" in page and "<legend" in page  # the theme checkboxes

    response = client.post(
        f"{url}notes/",
        {
            "text": "Vindt het lastig om feedback te geven aan een duo-collega.",
            "themes": themes(1, 3),
            "tension": "on",
            "wants_help": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}#notes"
    note = InterviewNote.objects.get(interview=interview)
    assert sorted(t.number for t in note.themes.all()) == [1, 3]
    assert note.tension and note.wants_help and not note.may_quote

    page = client.get(url).content.decode()
    assert "Vindt het lastig om feedback te geven" in page
    assert "Wants help with a colleague" in page

    listing = client.get(f"{base(school)}/{interview.round_id}/").content.decode()
    assert "Tension 1" in listing and "Wants help 1" in listing


def test_a_note_added_with_htmx_returns_the_notes_partial(
    client: Client, leader: User, school: School, interview: Interview
) -> None:
    english(client, leader)
    response = client.post(
        f"{base(school)}/interview/{interview.pk}/notes/",
        {"text": "Via htmx", "themes": themes(2), "may_quote": "on"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="notes"')
    assert "Via htmx" in html and "may be quoted anonymously" in html
    assert InterviewNote.objects.get().may_quote


def test_a_note_needs_a_theme_and_a_text_and_keeps_what_was_typed(
    client: Client, leader: User, school: School, interview: Interview
) -> None:
    english(client, leader)
    url = f"{base(school)}/interview/{interview.pk}/notes/"
    response = client.post(url, {"text": "Getypte tekst zonder thema", "tension": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Code each note to at least one theme." in page
    assert "Getypte tekst zonder thema</textarea>" in page
    assert 'data-testid="guide"' in page  # the whole detail page again

    page = client.post(url, {"text": "   ", "themes": themes(4)}).content.decode()
    assert "Write the note first." in page

    htmx = client.post(url, {"text": "Nog zonder thema"}, headers={"HX-Request": "true"})
    assert "Code each note to at least one theme." in htmx.content.decode()
    assert "Nog zonder thema</textarea>" in htmx.content.decode()
    assert not InterviewNote.objects.exists()


def test_the_leader_deletes_a_note_and_only_of_the_interview_named(
    client: Client, leader: User, school: School, interview: Interview, round_: Round
) -> None:
    english(client, leader)
    add_note(interview, "Weg ermee")
    note = InterviewNote.objects.get()
    other = Interview.objects.create(round=round_, teacher=make_teachers(school, None, 1)[0])
    wrong = f"{base(school)}/interview/{other.pk}/notes/{note.pk}/delete/"
    assert client.post(wrong).status_code == 404
    assert (
        client.get(f"{base(school)}/interview/{interview.pk}/notes/{note.pk}/delete/").status_code
        == 405
    )
    response = client.post(
        f"{base(school)}/interview/{interview.pk}/notes/{note.pk}/delete/",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'data-testid="no-notes"' in response.content.decode()
    assert not InterviewNote.objects.exists()


# ---------------------------------------------------------------- who reads the notes


def test_the_teacher_reads_their_own_notes_on_detail_and_mine(
    client: Client, school: School, teacher: User, interview: Interview
) -> None:
    add_note(interview, "Wil graag meer tijd voor intervisie", 2, wants_help=True)
    english(client, teacher)
    page = client.get(f"{base(school)}/interview/{interview.pk}/").content.decode()
    assert "Wil graag meer tijd voor intervisie" in page
    assert "Your interview" in page
    assert 'data-testid="guide"' not in page
    assert 'name="text"' not in page
    assert "/delete/" not in page

    mine = client.get(f"{base(school)}/mine/").content.decode()
    assert mine.count('data-testid="my-interview"') == 1
    assert "Wil graag meer tijd voor intervisie" in mine

    # Reading only: the leader's actions stay closed.
    note = InterviewNote.objects.get()
    for url in (
        f"{base(school)}/interview/{interview.pk}/notes/",
        f"{base(school)}/interview/{interview.pk}/notes/{note.pk}/delete/",
        f"{base(school)}/{interview.round_id}/",
        f"{base(school)}/{interview.round_id}/plan/",
        f"{base(school)}/{interview.round_id}/themes/",
    ):
        assert client.post(url, {"text": "x", "themes": themes(1)}).status_code in (404, 405), url
    assert InterviewNote.objects.count() == 1


def test_a_colleague_of_the_same_school_gets_404(
    client: Client, school: School, team: Team, interview: Interview
) -> None:
    add_note(interview, "Alleen voor Tim")
    colleague = make_teachers(school, team, 1)[0]
    english(client, colleague)
    assert client.get(f"{base(school)}/interview/{interview.pk}/").status_code == 404
    mine = client.get(f"{base(school)}/mine/")
    assert mine.status_code == 200
    assert "Alleen voor Tim" not in mine.content.decode()


def test_the_outsider_gets_404_everywhere(
    client: Client, school: School, outsider: User, interview: Interview
) -> None:
    add_note(interview, "Geheim")
    note = InterviewNote.objects.get()
    client.force_login(outsider)
    round_pk = interview.round_id
    urls = [
        f"{base(school)}/{round_pk}/",
        f"{base(school)}/{round_pk}/plan/",
        f"{base(school)}/{round_pk}/themes/",
        f"{base(school)}/interview/{interview.pk}/",
        f"{base(school)}/interview/{interview.pk}/notes/",
        f"{base(school)}/interview/{interview.pk}/notes/{note.pk}/delete/",
        f"{base(school)}/mine/",
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"text": "x", "teacher": interview.teacher_id})
            assert response.status_code in (404, 405), (method, url)
    assert InterviewNote.objects.count() == 1
    assert Interview.objects.count() == 1


# ---------------------------------------------------------------- interview themes


def test_interview_themes_hide_counts_below_the_threshold(
    client: Client, leader: User, school: School, team: Team, round_: Round
) -> None:
    teachers = list(User.objects.filter(invitations__round=round_).order_by("pk"))
    for i, person in enumerate(teachers[:4]):
        add_note(Interview.objects.create(round=round_, teacher=person), f"Geheime tekst {i}", 3)
    # An interview without notes does not count.
    Interview.objects.create(round=round_, teacher=teachers[4])
    english(client, leader)
    page = client.get(f"{base(school)}/{round_.pk}/themes/").content.decode()
    assert (
        "Fewer than 5 interviews have notes; counts appear from 5 on, so nobody can be "
        "recognised." in page
    )
    assert 'data-testid="theme-count"' not in page
    assert "Geheime tekst" not in page


def test_interview_themes_show_counts_from_the_threshold_in_fixed_queries(
    client: Client,
    leader: User,
    school: School,
    round_: Round,
    django_assert_num_queries: Any,
) -> None:
    teachers = list(User.objects.filter(invitations__round=round_).order_by("pk"))
    interviews = [Interview.objects.create(round=round_, teacher=t) for t in teachers]
    for i, interview in enumerate(interviews[:5]):
        add_note(interview, f"Geheime tekst {i}", 1, 3, tension=i < 2, wants_help=i == 0)
    english(client, leader)
    url = f"{base(school)}/{round_.pk}/themes/"
    # User (the session comes from Redis), school, the leader check, round, interviews with
    # notes, the grouped counts, the themes; two more for the navigation bar (the person's
    # memberships with their schools, and their open nudges).
    queries = 9
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    assert page.count('data-testid="theme-count"') == 4
    assert "Geheime tekst" not in page
    assert "from 5 interviews with notes" in page
    cells = re.findall(r'<td class="text-end">(\d+)</td>', page)
    # Theme 1: 5 notes, 2 with tension, 1 wants help; theme 2: none; theme 3 as 1; theme 4.
    assert cells == ["5", "2", "1", "0", "0", "0", "5", "2", "1", "0", "0", "0"]

    # More notes and interviews: the same number of queries.
    for i, interview in enumerate(interviews[5:]):
        add_note(interview, f"Nog een {i}", 2, 4, tension=True)
    add_note(interviews[0], "Tweede notitie", 2)
    with django_assert_num_queries(queries):
        page = client.get(url).content.decode()
    cells = re.findall(r'<td class="text-end">(\d+)</td>', page)
    assert cells == ["5", "2", "1", "3", "2", "0", "5", "2", "1", "2", "2", "0"]
    assert "from 7 interviews with notes" in page


def test_notes_never_change_the_team_figures(
    leader: User, round_: Round, interview: Interview
) -> None:
    now = timezone.now()
    before = item_distributions(round_, now)
    means_before = [row.mean for row in build_report(round_, now).themes]
    assert before
    for i in range(5):
        add_note(interview, f"Notitie {i}", 1, 2, 3, 4, tension=True, wants_help=True)
    assert item_distributions(round_, now) == before
    assert [row.mean for row in build_report(round_, now).themes] == means_before


def test_the_guide_on_the_page_uses_the_released_results(
    client: Client, leader: User, school: School, team: Team, teacher: User
) -> None:
    make_teachers(school, team, 6)
    unreleased = closed_round(school, team, answered=4)
    interview = Interview.objects.create(round=unreleased, teacher=teacher, brings_own_answers=True)
    english(client, leader)
    page = client.get(f"{base(school)}/interview/{interview.pk}/").content.decode()
    assert "the guide holds only the general questions" in page
    assert 'data-testid="guide-own_answers"' in page
    assert 'data-testid="guide-help"' in page
    assert 'data-testid="guide-weakest_theme"' not in page


# ---------------------------------------------------------------- the guide (pure)


def _theme(number: int, name: str) -> Theme:
    return Theme(pk=number, number=number, name_nl=name, name_en=name)


def _item(pk: int, theme: Theme | None, text: str, key: str = "") -> Item:
    return Item(
        pk=pk,
        block=Block.THEME if theme else Block.CLIMATE,
        theme=theme,
        text_nl=text,
        text_en=text,
        key=key,
    )


def _report(signals: list[Signal], released: bool = True) -> RoundReport:
    dialogue = _theme(1, "Professional dialogue")
    learning = _theme(3, "Collective learning")
    themes_ = [
        ThemeRow(
            theme=dialogue,
            mean=3.9,
            spread=None,
            leader_mean=None,
            items=[ItemRow(item=_item(11, dialogue, "We give each other feedback."), counts={})],
        ),
        ThemeRow(
            theme=learning,
            mean=2.6,
            spread=None,
            leader_mean=None,
            items=[
                ItemRow(item=_item(31, learning, "Tensions are made discussable"), counts={}),
                ItemRow(item=_item(32, learning, "We reflect as a group"), counts={}),
            ],
        ),
        ThemeRow(
            theme=None,
            mean=3.8,
            spread=None,
            leader_mean=None,
            items=[
                ItemRow(item=_item(91, None, "Things are left unsaid", "left_unsaid"), counts={})
            ],
        ),
    ]
    gate = Gate(
        released=released,
        respondents=8 if released else None,
        reason="ok" if released else "below_threshold",
        threshold=5,
    )
    return RoundReport(
        round=Round(), gate=gate, themes=themes_ if released else [], signals=signals
    )


def _text(guide: list[GuideSection]) -> str:
    return "\n".join([s.title for s in guide] + [q for s in guide for q in s.questions])


SIGNALS = [
    Signal(kind="warning_sign", theme=None, item_ids=(91,), strength=0.9, reason="…"),
    Signal(kind="tension", theme=1, item_ids=(11,), strength=0.7, reason="…"),
    Signal(kind="weakest_theme", theme=3, item_ids=(32, 31), strength=0.6, reason="…"),
    Signal(kind="blind_spot", theme=3, item_ids=(31,), strength=0.5, reason="…"),
]


def test_the_guide_names_the_weakest_theme_the_split_and_the_warning_sign() -> None:
    with translation.override("en"):
        guide = build_guide(_report(SIGNALS))
    kinds = [s.kind for s in guide]
    assert kinds == ["opening", "weakest_theme", "tension", "warning_sign", "help"]
    text = _text(guide)
    assert "Weakest theme: Collective learning" in text
    assert "The team scores “Collective learning” lowest." in text
    assert "What does “We reflect as a group” look like in your daily work?" in text
    assert "The team is split on “We give each other feedback”. How do you see it?" in text
    assert "What makes it hard to talk about?" in text
    assert "Is there something that is not being said in the team?" in text
    assert "What would help you to say it?" in text
    assert guide[-1].questions == [
        "Is there something you would like to raise with a colleague?",
        "Would it help if I joined that conversation?",
    ]
    assert all(2 <= len(section.questions) <= 3 for section in guide)


def test_the_guide_asks_about_own_answers_only_when_brought() -> None:
    with translation.override("en"):
        without = build_guide(_report([]))
        brought = build_guide(_report([]), brings_own_answers=True)
    assert "own_answers" not in [s.kind for s in without]
    assert "Your own answers: what stands out to you?" in _text(brought)


def test_a_guide_without_released_results_has_only_the_general_questions() -> None:
    with translation.override("en"):
        guide = build_guide(_report(SIGNALS, released=False), brings_own_answers=True)
    assert [s.kind for s in guide] == ["opening", "own_answers", "help"]
    text = _text(guide)
    assert "Collective learning" not in text
    assert "split" not in text
    assert "not being said" not in text


def test_a_split_on_a_climate_statement_is_asked_about_too() -> None:
    climate_split = Signal(kind="tension", theme=None, item_ids=(91,), strength=0.5, reason="")
    with translation.override("en"):
        guide = build_guide(_report([climate_split]))
    assert "The team is split on “Things are left unsaid”. How do you see it?" in _text(guide)
    assert "Where the team is split: How we talk with each other" in _text(guide)


def test_a_facilitator_and_the_board_do_not_read_interview_notes(
    client: Client, school: School, leader: User, teacher: User, team: Team
) -> None:
    from interviews.models import Interview, InterviewNote
    from schools.models import Membership

    round_ = open_round(school, team=team, threshold=3)
    interview = Interview.objects.create(round=round_, teacher=teacher)
    InterviewNote.objects.create(interview=interview, text="Persoonlijk")
    facilitator = UserFactory.create()
    Membership.objects.create(user=facilitator, school=school, role="facilitator")
    board_admin = UserFactory.create()
    Membership.objects.create(user=board_admin, board=school.board, role="board_admin")
    with_two_factor(board_admin)
    for outsider in (facilitator, board_admin):
        client.force_login(outsider)
        base = f"/s/{school.slug}/interviews"
        assert client.get(f"{base}/interview/{interview.pk}/").status_code == 404
        assert client.get(f"{base}/{round_.pk}/").status_code == 404
        assert (
            client.post(f"{base}/interview/{interview.pk}/notes/", {"text": "x"}).status_code == 404
        )
