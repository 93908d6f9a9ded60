"""The leader's side of a questionnaire round: open, invite, follow the response rate
(never names), remind, extend, close, and give the leader's own view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from schools.models import Membership, School, Team, User
from surveys.models import Invitation, LeaderAnswer, Round, hash_token
from surveys.tasks import send_due_invitations

from .factories import MembershipFactory, UserFactory
from .survey_helpers import (
    close_and_count,
    committed,
    default_template,
    open_round,
    token_from_mail,
    write_draft,
)


def make_teachers(school: School, team: Team | None, n: int) -> list[User]:
    users = []
    for i in range(n):
        user = UserFactory.create(email=f"t{i}-{team.pk if team else 0}-{school.slug}@school.test")
        MembershipFactory.create(user=user, school=school, team=team)
        users.append(user)
    return users


def form_data(team: Team | None = None, **overrides: object) -> dict[str, object]:
    now = timezone.localtime()
    data: dict[str, object] = {
        "team": team.pk if team else "",
        "template": default_template().pk,
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "threshold": 5,
        "open_threshold": 5,
    }
    data.update(overrides)
    return data


def test_a_leader_opens_a_round_and_every_teacher_gets_a_personal_link(
    client: Client, leader: User, school: School, team: Team
) -> None:
    teachers = make_teachers(school, team, 6)
    client.force_login(leader)
    with committed():
        response = client.post(f"/s/{school.slug}/rounds/new/", form_data(team))
    round_ = Round.objects.get(school=school)
    assert response["Location"] == f"/s/{school.slug}/rounds/{round_.pk}/"
    assert round_.invitations.count() == 6
    assert len(mail.outbox) == 6
    for teacher in teachers:
        token = token_from_mail(teacher)
        invitation = Invitation.objects.get(round=round_, user=teacher)
        # Only the hash is stored.
        assert invitation.token_hash == hash_token(token)
        assert token not in invitation.token_hash


def test_a_round_for_the_whole_school_invites_every_team(
    client: Client, leader: User, school: School, team: Team
) -> None:
    other_team = Team.objects.create(school=school, name="Bovenbouw")
    make_teachers(school, team, 3)
    make_teachers(school, other_team, 3)
    client.force_login(leader)
    client.post(f"/s/{school.slug}/rounds/new/", form_data(None))
    assert Round.objects.get(school=school).invitations.count() == 6


def test_bad_round_settings_are_refused_in_dutch_and_kept(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 6)
    client.force_login(leader)
    now = timezone.localtime()
    response = client.post(
        f"/s/{school.slug}/rounds/new/",
        form_data(
            team,
            closes_at=(now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            threshold=2,
            open_threshold=4,
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "De ronde moet sluiten nadat hij opent." in page
    assert "Zorg ervoor dat deze waarde minstens 3 is." in page
    assert 'value="4"' in page
    assert not Round.objects.exists()


def test_open_answers_cannot_have_a_lower_threshold_than_the_scores(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 8)
    client.force_login(leader)
    response = client.post(
        f"/s/{school.slug}/rounds/new/", form_data(team, threshold=6, open_threshold=5)
    )
    assert "Open antwoorden vragen minstens zoveel deelnemers als de scores (6)." in (
        response.content.decode()
    )
    assert not Round.objects.exists()


def test_a_round_too_small_for_its_threshold_warns_before_opening(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 3)
    client.force_login(leader)
    response = client.post(f"/s/{school.slug}/rounds/new/", form_data(team))
    page = response.content.decode()
    assert "Deze ronde bereikt 3 leerkrachten, minder dan de drempel van 5" in page
    assert not Round.objects.exists()
    client.post(f"/s/{school.slug}/rounds/new/", form_data(team, confirm_small="on"))
    assert Round.objects.count() == 1


def test_a_planned_round_sends_its_invitations_when_it_opens(school: School, team: Team) -> None:
    make_teachers(school, team, 5)
    now = timezone.now()
    from surveys.services import round_open

    round_open(
        school=school,
        team=team,
        template=default_template(),
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=9),
        threshold=5,
        open_threshold=5,
        created_by=None,
        now=now,
    )
    assert mail.outbox == []
    assert send_due_invitations() == 0
    with time_machine.travel(now + timedelta(days=2, minutes=1), tick=False):
        assert send_due_invitations() == 5
        assert len(mail.outbox) == 5
        # A second scan (or a second beat) sends nothing more.
        assert send_due_invitations() == 0
    assert len(mail.outbox) == 5


def test_the_leader_sees_the_turnout_of_the_last_full_hour_and_never_who(
    client: Client, leader: User, school: School, team: Team
) -> None:
    """The count moves once an hour at most, so no single submit can be timed by watching
    it; below the threshold it reads "fewer than N", before and after closing."""
    teachers = make_teachers(school, team, 7)
    nine = timezone.make_aware(datetime(2026, 3, 2, 9, 10))
    client.force_login(leader)

    def shown(at: datetime, path: str = "") -> str:
        with time_machine.travel(at, tick=False):
            page = client.get(f"/s/{school.slug}/rounds/{path}").content.decode()
        return page

    def answered(*who: User) -> None:
        Invitation.objects.filter(round=round_, user__in=who).update(done=True)

    with time_machine.travel(nine, tick=False):
        round_ = open_round(school, team=team, threshold=5)
    detail = f"{round_.pk}/"
    answered(*teachers[:5])
    # Five answered, but nothing was counted yet this hour.
    assert "minder dan 5 van 7 geantwoord" in shown(nine, detail)
    assert Round.objects.record_turnout(nine.replace(hour=10, minute=0)) == 1
    page = shown(nine.replace(hour=10, minute=3), detail)
    assert 'data-testid="response-rate">5 van 7 geantwoord<' in page
    assert "Stand van 10:00" in page
    answered(teachers[5])
    # A sixth answer shows only after the next full hour.
    assert 'data-testid="response-rate">5 van 7 geantwoord<' in shown(
        nine.replace(hour=10, minute=59), detail
    )
    Round.objects.record_turnout(nine.replace(hour=11, minute=0))
    assert "6 van 7 geantwoord" in shown(nine.replace(hour=11, minute=1), detail)
    assert "6 van 7 geantwoord" in shown(nine.replace(hour=11, minute=1))  # the list of rounds
    # Names appear only in the neutral "send a new link" list, identical for everyone.
    for teacher in teachers:
        assert page.count(escape(str(teacher))) == 1  # names like "van 't Wel" are escaped


def test_below_the_threshold_the_turnout_says_fewer_than_n_also_after_closing(
    client: Client, leader: User, school: School, team: Team
) -> None:
    teachers = make_teachers(school, team, 7)
    round_ = open_round(school, team=team, threshold=5)
    Invitation.objects.filter(round=round_, user__in=teachers[:4]).update(done=True)
    Round.objects.record_turnout(timezone.now())
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert "minder dan 5 van 7 geantwoord" in page and "4 van 7" not in page
    later = timezone.now() + timedelta(days=30)
    Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now())
    Round.objects.record_turnout(later)
    with time_machine.travel(later, tick=False):
        client.force_login(leader)  # a month later: logged in again
        page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
        dashboard = client.get(f"/s/{school.slug}/").content.decode()
    assert "minder dan 5 van 7 geantwoord" in page and "4 van 7" not in page
    assert "minder dan 5 van 7 geantwoord" in dashboard
    client.cookies["django_language"] = "en"
    with time_machine.travel(later, tick=False):
        english = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert "fewer than 5 of 7 answered" in english


def test_the_turnout_is_kept_while_open_and_once_after_closing_in_one_statement(
    school: School, team: Team, django_assert_num_queries: Any
) -> None:
    teachers = make_teachers(school, team, 6)
    now = timezone.now()
    open_now = open_round(school, team=team)
    closing = open_round(school, days=1)
    planned = open_round(school, team=team, now=now + timedelta(days=3))
    Invitation.objects.filter(round=open_now, user__in=teachers[:2]).update(done=True)
    with django_assert_num_queries(1):
        assert Round.objects.record_turnout(now) == 2  # the planned round is left alone
    open_now.refresh_from_db()
    assert (open_now.turnout, open_now.turnout_at) == (
        2,
        now.replace(minute=0, second=0, microsecond=0),
    )
    assert Round.objects.get(pk=planned.pk).turnout_at is None
    after = now + timedelta(days=2)
    assert Round.objects.record_turnout(after) == 2  # the closed one once more, counted final
    assert Round.objects.record_turnout(after + timedelta(hours=1)) == 1  # then only the open one
    assert Round.objects.get(pk=closing.pk).turnout == 0


def test_a_reminder_goes_only_to_those_who_have_not_finished(
    client: Client, leader: User, school: School, team: Team
) -> None:
    teachers = make_teachers(school, team, 5)
    round_ = open_round(school, team=team)
    old_token = token_from_mail(teachers[1])
    Invitation.objects.filter(round=round_, user=teachers[0]).update(done=True)
    mail.outbox.clear()
    client.force_login(leader)
    with committed():
        client.post(f"/s/{school.slug}/rounds/{round_.pk}/remind/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(t.email for t in teachers[1:])
    # The reminder carries a new link; the old one stops working.
    assert token_from_mail(teachers[1]) != old_token
    assert client.get(f"/i/{old_token}/").status_code == 404


def test_resending_to_someone_who_answered_sends_nothing_and_says_the_same(
    client: Client, leader: User, school: School, team: Team
) -> None:
    teachers = make_teachers(school, team, 5)
    round_ = open_round(school, team=team)
    done = Invitation.objects.get(round=round_, user=teachers[0])
    done.done = True
    done.save()
    waiting = Invitation.objects.get(round=round_, user=teachers[1])
    mail.outbox.clear()
    client.force_login(leader)
    with committed():
        first = client.post(
            f"/s/{school.slug}/rounds/{round_.pk}/resend/", {"invitation": done.pk}, follow=True
        ).content.decode()
        second = client.post(
            f"/s/{school.slug}/rounds/{round_.pk}/resend/",
            {"invitation": waiting.pk},
            follow=True,
        ).content.decode()
    assert [m.to for m in mail.outbox] == [[teachers[1].email]]
    assert "nog niet heeft geantwoord" in first and "nog niet heeft geantwoord" in second


def test_the_leader_closes_early_and_extends(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 5)
    round_ = open_round(school, team=team)
    client.force_login(leader)
    later = timezone.localtime() + timedelta(days=30)
    client.post(
        f"/s/{school.slug}/rounds/{round_.pk}/extend/",
        {"closes_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    round_.refresh_from_db()
    assert round_.closes_at.date() == later.date()
    page = client.post(
        f"/s/{school.slug}/rounds/{round_.pk}/extend/",
        {"closes_at": "2001-01-01T10:00"},
        follow=True,
    ).content.decode()
    assert "Kies een moment in de toekomst." in page
    client.post(f"/s/{school.slug}/rounds/{round_.pk}/close/", {"confirm": "on"})
    round_.refresh_from_db()
    assert round_.is_closed(timezone.now())


def test_the_threshold_cannot_be_set_below_three_in_the_database(school: School) -> None:
    import pytest
    from django.db import IntegrityError, transaction

    round_ = open_round(school)
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=round_.pk).update(threshold=2, open_threshold=2)


def test_the_leader_fills_in_their_own_view(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 5)
    round_ = open_round(school, team=team)
    items = list(round_.version.items.all())
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/leader/").content.decode()
    assert items[0].leader_text in page
    data = {f"item-{item.pk}": "3" for item in items[1:]}
    response = client.post(f"/s/{school.slug}/rounds/{round_.pk}/leader/", data)
    assert "Nog niet alle stellingen hebben een antwoord" in response.content.decode()
    assert not LeaderAnswer.objects.exists()
    data[f"item-{items[0].pk}"] = "0"
    client.post(f"/s/{school.slug}/rounds/{round_.pk}/leader/", data)
    assert LeaderAnswer.objects.filter(round=round_).count() == len(items)
    assert LeaderAnswer.objects.get(round=round_, item=items[0]).value is None
    round_.refresh_from_db()
    assert round_.leader_done


def test_a_facilitator_manages_rounds_too(client: Client, school: School, team: Team) -> None:
    facilitator = UserFactory.create()
    Membership.objects.create(user=facilitator, school=school, role="facilitator")
    client.force_login(facilitator)
    assert client.get(f"/s/{school.slug}/rounds/").status_code == 200


def _close_with_responses(school: School, team: Team, n: int) -> Round:
    """A closed round on the default questionnaire with ``n`` identical submissions."""
    from surveys.services import submit_answers

    teachers = make_teachers(school, team, max(n, 5))
    round_ = open_round(school, team=team, threshold=5, open_threshold=5)
    items = list(round_.version.items.all())
    question = round_.version.open_questions.first()
    assert question is not None
    for teacher in teachers[:n]:
        invitation = Invitation.objects.get(round=round_, user=teacher)
        write_draft(
            invitation,
            {str(item.pk): 4 for item in items},
            {str(question.pk): f"Open antwoord van {teacher.pk}"},
        )
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    close_and_count(round_)
    return round_


def test_with_four_answers_and_threshold_five_no_figure_is_shown_anywhere(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = _close_with_responses(school, team, 4)
    client.force_login(leader)
    for url in (
        f"/s/{school.slug}/rounds/{round_.pk}/",
        f"/s/{school.slug}/rounds/{round_.pk}/results/",
    ):
        page = client.get(url).content.decode()
        assert 'data-testid="results"' not in page
        assert "Open antwoord van" not in page
        assert "Minder dan 5 collega" in page
    item = round_.version.items.first()
    assert item is not None and item.text not in page


def test_with_five_answers_the_figures_appear(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = _close_with_responses(school, team, 5)
    client.force_login(leader)
    detail = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert 'data-testid="results-link"' in detail
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/results/").content.decode()
    assert 'data-testid="results"' in page
    assert "Gebaseerd op 5 deelnemers" in page
    assert page.count("Open antwoord van") == 5
    item = round_.version.items.first()
    assert item is not None and item.text in page


def test_nothing_is_shown_while_the_round_is_open(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = _close_with_responses(school, team, 6)
    Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now() + timedelta(days=1))
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/results/").content.decode()
    assert 'data-testid="results"' not in page
    assert "Open antwoord van" not in page


def test_closing_early_asks_first_and_says_what_too_few_answers_mean(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 6)
    round_ = open_round(school, team=team)
    client.force_login(leader)
    url = f"/s/{school.slug}/rounds/{round_.pk}/close/"
    detail = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert f'href="{url}"' in detail  # a link to the question, not a button that closes

    page = client.get(url).content.decode()
    assert "minder dan 5 van 6 geantwoord" in page
    assert 'data-testid="close-below-threshold"' in page
    assert "geen resultaten" in page

    # Not ticked: asked again, in Dutch, and the round stays open.
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Vink aan dat de ronde nu sluit." in refused.content.decode()
    round_.refresh_from_db()
    assert round_.is_open(timezone.now())

    client.post(url, {"confirm": "on"})
    round_.refresh_from_db()
    assert round_.is_closed(timezone.now())
    assert client.get(url, follow=True).redirect_chain  # closed: nothing left to confirm


def test_the_question_tells_a_round_with_enough_answers_that_its_results_follow(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 6)
    round_ = open_round(school, team=team)
    Round.objects.filter(pk=round_.pk).update(turnout=5, turnout_at=timezone.now())
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/close/").content.decode()
    assert "5 van 6 geantwoord" in page
    assert 'data-testid="close-above-threshold"' in page
    assert 'data-testid="close-below-threshold"' not in page


def test_a_round_that_closed_with_too_few_answers_can_be_opened_again(
    client: Client, leader: User, school: School, team: Team
) -> None:
    make_teachers(school, team, 6)
    round_ = close_and_count(open_round(school, team=team, now=timezone.now() - timedelta(days=2)))
    client.force_login(leader)
    detail = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert 'data-testid="reopen"' in detail
    later = timezone.localtime() + timedelta(days=7)
    client.post(
        f"/s/{school.slug}/rounds/{round_.pk}/extend/",
        {"closes_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    round_.refresh_from_db()
    assert round_.is_open(timezone.now())
    assert round_.tallied_at is None
