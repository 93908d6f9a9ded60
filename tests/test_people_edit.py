"""A leader corrects a teacher's name, e-mail address and team, finds people by searching, and
marks a teacher who left: from then on they are not counted, invited, reminded or let in, and
what they already did stays where it was. Putting them back undoes it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nudges.models import Nudge
from nudges.rules import Scope, respondents
from schools.models import AuditEntry, Departure, Membership, School, Team, User
from schools.privacy import export_person
from surveys.anonymity import turnout
from surveys.models import Draft, Invitation, Round
from surveys.services import SubmitError, submit_answers
from surveys.tasks import send_invitation

from .factories import MembershipFactory, SchoolFactory, TeamFactory, UserFactory
from .survey_helpers import committed, fresh_token, open_round, write_draft


@pytest.fixture
def leader_client(client: Client, leader: User) -> Client:
    client.force_login(leader)
    return client


def url(school: School, user: User, action: str = "") -> str:
    return f"/s/{school.slug}/people/{user.pk}/{action + '/' if action else ''}"


def leave(client: Client, school: School, user: User) -> Any:
    return client.post(url(school, user, "leave"))


# Editing -----------------------------------------------------------------------------------


def test_a_leader_corrects_a_new_teachers_name_address_and_team(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    other_team = TeamFactory.create(school=school, name="Bovenbouw")
    Membership.objects.filter(user=teacher).update(invited_at=timezone.now())
    EmailAddress.objects.create(user=teacher, email=teacher.email, primary=True)
    with committed():
        response = leader_client.post(
            url(school, teacher),
            {"full_name": "  Tim   de Vries ", "email": "Tim@Linde.TEST", "team": other_team.pk},
        )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.full_name, teacher.email) == ("Tim de Vries", "tim@linde.test")
    assert Membership.objects.get(user=teacher).team == other_team
    # The welcome e-mail goes again, to the corrected address; the old one logs in no more.
    assert [m.to for m in mail.outbox] == [["tim@linde.test"]]
    assert filter_users_by_email("teacher@linde.test") == []
    assert AuditEntry.objects.get().action == AuditEntry.Action.PERSON_CHANGED
    page = leader_client.get(response["Location"]).content.decode()
    assert "De gegevens van Tim de Vries zijn opgeslagen." in page


def test_moving_a_teacher_to_another_team_sends_no_email(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    other_team = TeamFactory.create(school=school, name="Bovenbouw")
    with committed():
        response = leader_client.post(
            url(school, teacher),
            {"full_name": teacher.full_name, "email": teacher.email, "team": other_team.pk},
        )
    assert response.status_code == 302
    assert Membership.objects.get(user=teacher).team == other_team
    assert mail.outbox == []


def test_the_address_of_a_teacher_who_has_logged_in_stays_as_it_is(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    teacher.last_login = timezone.now()
    teacher.save()
    page = leader_client.get(url(school, teacher)).content.decode()
    assert "Alleen de helpdesk kan dit adres wijzigen" in page
    response = leader_client.post(
        url(school, teacher),
        {"full_name": "Tim Leerkracht-Jansen", "email": "leader-owned@elders.test", "team": ""},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.email == "teacher@linde.test"  # a disabled field ignores what was posted
    assert teacher.full_name == "Tim Leerkracht-Jansen"
    assert Membership.objects.get(user=teacher).team is None


def test_the_name_and_address_of_someone_who_also_works_elsewhere_stay_as_they_are(
    leader_client: Client, school: School, teacher: User, team: Team, other_school: School
) -> None:
    MembershipFactory.create(user=teacher, school=other_school)
    other_team = TeamFactory.create(school=school, name="Bovenbouw")
    response = leader_client.post(
        url(school, teacher),
        {"full_name": "Gekaapt", "email": "gekaapt@elders.test", "team": other_team.pk},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.full_name, teacher.email) == ("Tim Leerkracht", "teacher@linde.test")
    # The team is this school's own business.
    assert Membership.objects.get(user=teacher, school=school).team == other_team


def test_someone_who_left_another_school_counts_as_working_elsewhere(
    school: School, teacher: User, other_school: School
) -> None:
    Departure.objects.create(user=teacher, school=other_school, left_on=timezone.localdate())
    assert teacher.details_belong_to(school) == (False, False)
    assert UserFactory.create().details_belong_to(school) == (True, True)


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"full_name": "   ", "email": "tim@linde.test"}, "Vul een naam in."),
        ({"full_name": "Tim", "email": "tim-at-linde"}, "Vul een geldig e-mailadres in"),
        ({"full_name": "Tim", "email": ""}, "Vul een e-mailadres in."),
        ({"full_name": "Tim", "email": "leader@linde.test"}, "logt al in met dit adres"),
        ({"full_name": "Tim", "email": "tim@linde.test", "team": "999999"}, "teams van deze"),
        ({"full_name": "Tim", "email": "tim@linde.test", "team": "x"}, "teams van deze"),
    ],
)
def test_bad_details_are_refused_in_dutch_and_nothing_typed_is_lost(
    leader_client: Client,
    school: School,
    teacher: User,
    team: Team,
    posted: dict[str, str],
    message: str,
) -> None:
    response = leader_client.post(url(school, teacher), posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    for value in posted.values():
        if value.strip() and value not in ("999999", "x"):
            assert f'value="{value}"' in page
    teacher.refresh_from_db()
    assert (teacher.full_name, teacher.email) == ("Tim Leerkracht", "teacher@linde.test")


def test_a_team_of_another_school_cannot_be_chosen(
    leader_client: Client, school: School, teacher: User, team: Team, other_school: School
) -> None:
    foreign = TeamFactory.create(school=other_school, name="Vreemd")
    response = leader_client.post(
        url(school, teacher),
        {"full_name": "Tim", "email": teacher.email, "team": foreign.pk},
    )
    assert response.status_code == 400
    assert Membership.objects.get(user=teacher).team == team


def test_only_teachers_are_changed_here(
    leader_client: Client, school: School, leader: User, teacher: User
) -> None:
    # Leading roles are the back office's business, the leader's own included.
    assert leader_client.get(url(school, leader)).status_code == 404
    assert leave(leader_client, school, leader).status_code == 404
    assert Membership.objects.filter(user=leader, role=Membership.Role.LEADER).exists()


# Tenancy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_leader_of_another_school_reaches_none_of_it(
    client: Client, school: School, teacher: User, outsider: User, method: str
) -> None:
    gone = UserFactory.create(email="gone@linde.test")
    Departure.objects.create(user=gone, school=school, left_on=timezone.localdate())
    client.force_login(outsider)
    targets = (url(school, teacher), url(school, teacher, "leave"), url(school, gone, "return"))
    for target in targets:
        response = getattr(client, method)(target, {"full_name": "X", "email": "x@x.test"})
        assert response.status_code in (404, 405), target
    # Nor through their own school's URL with this school's people.
    own = School.objects.get(memberships__user=outsider)
    for target in (url(own, teacher), url(own, teacher, "leave"), url(own, gone, "return")):
        assert getattr(client, method)(target).status_code in (404, 405), target
    assert Membership.objects.filter(user=teacher, school=school).exists()
    assert Departure.objects.filter(user=gone).exists()
    assert teacher.full_name == User.objects.get(pk=teacher.pk).full_name


def test_a_teacher_cannot_change_or_remove_a_colleague(
    client: Client, school: School, teacher: User, team: Team
) -> None:
    colleague = UserFactory.create()
    MembershipFactory.create(user=colleague, school=school, team=team)
    client.force_login(teacher)
    assert client.get(url(school, colleague)).status_code == 404
    assert leave(client, school, colleague).status_code == 404
    assert not Departure.objects.exists()


def test_leaving_and_returning_take_a_post(
    leader_client: Client, school: School, teacher: User
) -> None:
    assert leader_client.get(url(school, teacher, "leave")).status_code == 405
    assert leader_client.get(url(school, teacher, "return")).status_code == 405


def test_state_changes_need_the_csrf_token(school: School, leader: User, teacher: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    assert leave(client, school, teacher).status_code == 403
    assert client.post(url(school, teacher), {"full_name": "X"}).status_code == 403
    assert Membership.objects.filter(user=teacher).exists()


# Leaving -----------------------------------------------------------------------------------


def test_a_leaver_is_no_longer_counted_and_can_be_put_back(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    Membership.objects.filter(user=teacher).update(invited_at=timezone.now())
    dashboard = f"/s/{school.slug}/"
    assert "1 leerkracht" in leader_client.get(dashboard).content.decode()

    response = leave(leader_client, school, teacher)
    assert response.status_code == 302
    page = leader_client.get(response["Location"]).content.decode()
    assert "Tim Leerkracht staat nu bij wie vertrokken is" in page
    assert "0 leerkrachten op deze school" in page
    assert "0 leerkrachten" in leader_client.get(dashboard).content.decode()
    assert not Membership.objects.filter(user=teacher).exists()
    departure = Departure.objects.get(user=teacher)
    assert (departure.team, departure.left_on) == (team, timezone.localdate())
    # A double click finds nobody left to mark.
    assert leave(leader_client, school, teacher).status_code == 404

    with committed():
        response = leader_client.post(url(school, teacher, "return"))
    assert response.status_code == 302
    membership = Membership.objects.get(user=teacher)
    assert (membership.school, membership.team, membership.role) == (school, team, "teacher")
    assert not Departure.objects.exists()
    assert mail.outbox == []  # they had their welcome e-mail already
    assert "1 leerkracht" in leader_client.get(dashboard).content.decode()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "object_id")) == [
        ("person_left", teacher.pk),
        ("person_returned", teacher.pk),
    ]


def test_a_leaver_reaches_the_school_no_more_but_still_works_at_another(
    client: Client, leader_client: Client, school: School, teacher: User, other_school: School
) -> None:
    MembershipFactory.create(user=teacher, school=other_school)
    leave(leader_client, school, teacher)
    client.force_login(teacher)
    assert client.get(f"/s/{school.slug}/me/").status_code == 404
    assert client.get(f"/s/{other_school.slug}/me/").status_code == 200
    assert list(School.objects.for_user(teacher)) == [other_school]
    # The navigation offers only the school they still work at.
    assert client.get("/profile/").context["nav_schools"] == [other_school]


def test_a_leaver_is_not_invited_and_their_open_invitations_are_withdrawn(
    client: Client, leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    colleagues = UserFactory.create_batch(3)
    for colleague in colleagues:
        MembershipFactory.create(user=colleague, school=school, team=team)
    round_ = open_round(school, threshold=3)
    later = open_round(school, now=timezone.now() + timedelta(days=3), threshold=3)
    answered = Invitation.objects.get(round=round_, user=colleagues[0])
    items = list(round_.version.items.all())
    write_draft(answered, {str(item.pk): 4 for item in items})
    submit_answers(invitation_id=answered.pk, now=timezone.now())
    mine = Invitation.objects.get(round=round_, user=teacher)
    token = fresh_token(mine)
    write_draft(mine, {str(item.pk): 2 for item in items})
    mail.outbox.clear()

    leave(leader_client, school, teacher)
    leave(leader_client, school, colleagues[0])
    # The open round keeps every invitation, answered or not (see the next test); the
    # unanswered one's link and draft are gone, and it is neither sent nor answered.
    assert Invitation.objects.filter(round=round_).count() == 4
    assert round_.ballots.count() == 1
    assert not Draft.objects.filter(invitation=mine).exists()
    assert client.get(f"/i/{token}/").status_code == 404
    mine.refresh_from_db()
    assert not send_invitation(mine.pk, mine.sent_count + 1)
    write_draft(mine, {str(item.pk): 2 for item in items})
    with pytest.raises(SubmitError):
        submit_answers(invitation_id=mine.pk, now=timezone.now())
    with committed():
        leader_client.post(f"/s/{school.slug}/rounds/{round_.pk}/remind/")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in colleagues[1:])
    assert teacher not in round_.audience_members()
    # Nor does the nudge scan remind them to answer, at the last call.
    moment = round_.closes_at - timedelta(days=1)
    scope = Scope(now=moment, today=moment.date(), schools=School.objects.all())
    scope.load()
    reminded = {w.recipient_id for w in respondents(scope)}
    assert reminded == {colleagues[1].pk, colleagues[2].pk}
    # A round that has not opened yet invites them no more.
    assert set(Invitation.objects.filter(round=later).values_list("user_id", flat=True)) == {
        colleagues[1].pk,
        colleagues[2].pk,
    }

    # Put back, they can be sent a new link again.
    leader_client.post(url(school, teacher, "return"))
    with committed():
        assert send_invitation(mine.pk, mine.sent_count + 1)


def test_what_the_leader_sees_of_a_round_moves_alike_whether_the_leaver_answered(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    # Otherwise marking someone as left (and putting them back) would tell whether they had
    # answered: participation is as private as the answers.
    people = UserFactory.create_batch(4)
    for person in people:
        MembershipFactory.create(user=person, school=school, team=team)
    round_ = open_round(school, threshold=3)
    items = list(round_.version.items.all())
    for person in people[:3]:
        invitation = Invitation.objects.get(round=round_, user=person)
        write_draft(invitation, {str(item.pk): 3 for item in items})
        submit_answers(invitation_id=invitation.pk, now=timezone.now())

    def seen() -> str:
        Round.objects.filter(pk=round_.pk).record_turnout(timezone.now())
        round_.refresh_from_db()
        return turnout(round_).label

    before = seen()
    leave(leader_client, school, people[0])  # answered
    assert seen() == before
    leave(leader_client, school, teacher)  # did not answer
    assert seen() == before


def test_a_leaver_gets_no_reminders_from_that_school(
    leader_client: Client, school: School, teacher: User, other_school: School
) -> None:
    MembershipFactory.create(user=teacher, school=other_school)
    due = timezone.now() + timedelta(days=1)
    for where in (school, other_school):
        Nudge.objects.create(
            rule="r1_keep_going", school=where, recipient=teacher, period="p", due_at=due
        )
    leave(leader_client, school, teacher)
    assert list(Nudge.objects.values_list("school_id", flat=True)) == [other_school.pk]
    scope = Scope(
        now=timezone.now(),
        today=timezone.localdate(),
        schools=School.objects.filter(pk__in=[school.pk, other_school.pk]),
    )
    scope.load()
    assert teacher.pk not in scope.teachers[school.pk]
    assert teacher.pk in scope.teachers[other_school.pk]


def test_interviews_about_a_leaver_stay_the_leaders_and_in_their_export(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    from interviews.models import Interview

    round_ = open_round(school, threshold=3)
    interview = Interview.objects.create(round=round_, teacher=teacher)
    leave(leader_client, school, teacher)
    detail = f"/s/{school.slug}/interviews/interview/{interview.pk}/"
    assert leader_client.get(detail).status_code == 200
    export = export_person(teacher)
    assert export["memberships"] == []
    assert export["schools_left"] == [
        {"school": school.name, "team": team.name, "left_on": timezone.localdate().isoformat()}
    ]
    assert len(export["interviews_about_me"]) == 1


def test_a_leaver_added_again_by_hand_or_by_csv_is_pointed_to_putting_them_back(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    leave(leader_client, school, teacher)
    response = leader_client.post(
        f"/s/{school.slug}/people/",
        {"full_name": "Tim", "email": "Teacher@Linde.test", "language": "nl"},
    )
    assert "Deze persoon is vertrokken van deze school" in response.content.decode()
    assert 'value="Tim"' in response.content.decode()
    csv = SimpleUploadedFile(
        "team.csv",
        b"naam;e-mail;team\nTim;teacher@linde.test;Onderbouw\nSara;sara@linde.test;Onderbouw\n",
    )
    response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": csv}, follow=True)
    page = response.content.decode()
    assert "teacher@linde.test is vertrokken van deze school en is niet opnieuw" in page
    assert not Membership.objects.filter(user=teacher).exists()
    assert Membership.objects.filter(user__email="sara@linde.test").exists()


def test_someone_who_now_leads_the_school_is_not_put_back_as_a_teacher(
    leader_client: Client, school: School, teacher: User
) -> None:
    leave(leader_client, school, teacher)
    MembershipFactory.create(user=teacher, school=school, role=Membership.Role.FACILITATOR)
    response = leader_client.post(url(school, teacher, "return"), follow=True)
    assert "iemand die deze school leidt" in response.content.decode()
    assert Departure.objects.filter(user=teacher).exists()
    assert not Membership.objects.filter(user=teacher, role="teacher").exists()


# The list ----------------------------------------------------------------------------------


def test_searching_finds_people_by_name_or_address_with_or_without_htmx(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    sara = UserFactory.create(full_name="Sara Smit", email="s.smit@linde.test")
    MembershipFactory.create(user=sara, school=school, team=team)
    gone = UserFactory.create(full_name="Sam Vertrokken", email="sam@linde.test")
    Departure.objects.create(user=gone, school=school, left_on=timezone.localdate())

    page = leader_client.get(f"/s/{school.slug}/people/?q=SMIT").content.decode()
    assert "Sara Smit" in page and "Tim Leerkracht" not in page and "Sam Vertrokken" not in page
    assert "<html" in page  # the plain GET: the whole page
    page = leader_client.get(
        f"/s/{school.slug}/people/?q=linde.test", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in page and 'id="people-q"' not in page
    assert "Sara Smit" in page and "Tim Leerkracht" in page and "Sam Vertrokken" in page
    page = leader_client.get(
        f"/s/{school.slug}/people/?q=smit",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ).content.decode()
    assert "<html" in page and 'value="smit"' in page
    page = leader_client.get(f"/s/{school.slug}/people/?q=niemand").content.decode()
    assert "Niemand gevonden met deze zoekopdracht." in page
    assert 'value="niemand"' in page


def test_the_people_list_costs_the_same_queries_for_few_and_many(
    leader_client: Client, school: School, teacher: User, team: Team
) -> None:
    def queries() -> int:
        leader_client.get(f"/s/{school.slug}/people/")
        with CaptureQueriesContext(connection) as captured:
            response = leader_client.get(f"/s/{school.slug}/people/?q=linde")
        assert response.status_code == 200
        return len(captured)

    TeamFactory.create(school=school, name="Bovenbouw")
    few = queries()
    for n in range(30):
        user = UserFactory.create(email=f"t{n}@linde.test")
        MembershipFactory.create(user=user, school=school, team=team if n % 2 else None)
        if n % 3 == 0:
            Departure.leave(
                Membership.objects.get(user=user), on=timezone.localdate(), now=timezone.now()
            )
    assert queries() == few
    assert few <= 12, few


def test_the_people_table_can_be_reached_and_scrolled_by_keyboard(
    leader_client: Client, school: School, teacher: User
) -> None:
    page = leader_client.get(f"/s/{school.slug}/people/").content.decode()
    [region] = re.findall(r'<div class="table-responsive[^>]*>', page)
    assert 'tabindex="0"' in region and 'role="region"' in region
    assert 'aria-labelledby="people-title"' in region
    assert 'id="people-title"' in page


def test_a_departure_from_another_school_is_not_listed_here(
    leader_client: Client, school: School, teacher: User
) -> None:
    elsewhere = SchoolFactory.create(name="Elders")
    Departure.objects.create(user=teacher, school=elsewhere, left_on=timezone.localdate())
    page = leader_client.get(f"/s/{school.slug}/people/").content.decode()
    assert "Tim Leerkracht" in page and 'data-testid="leavers"' not in page
