"""Nobody answers a round about their own leadership (docs/privacy.md, "Rounds that cannot be
subtracted"). Whoever reads a school's results (its leaders and facilitators, its board's
admins) is never invited to its rounds: with four colleagues and the leader answering, a round
with threshold 5 would be released and the leader could subtract their own answers. Their
route is their own view of each round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from schools.models import Membership, School, Team, User
from surveys.models import Draft, Invitation, Round

from .factories import MembershipFactory, UserFactory
from .survey_helpers import default_template, open_round, write_draft


def colleagues(school: School, team: Team | None, n: int) -> list[User]:
    users = []
    for i in range(n):
        user = UserFactory.create(email=f"collega{i}@linde.test")
        MembershipFactory.create(user=user, school=school, team=team)
        users.append(user)
    return users


def teachers_of(school: School) -> list[str]:
    return sorted(
        Membership.objects.filter(school=school, role=Membership.Role.TEACHER).values_list(
            "user__email", flat=True
        )
    )


@pytest.fixture
def leader_client(client: Client, leader: User) -> Client:
    client.force_login(leader)
    return client


# ---------------------------------------------------------------- never invited


def test_a_leader_who_is_also_a_teacher_is_not_invited(
    school: School, team: Team, leader: User
) -> None:
    # The way in: the leader's own address as a teacher of the team.
    MembershipFactory.create(user=leader, school=school, team=team)
    four = colleagues(school, team, 4)

    round_ = open_round(school, team=team)

    invited = set(round_.invitations.values_list("user_id", flat=True))
    assert invited == {u.pk for u in four}


def test_so_four_colleagues_and_the_leader_make_a_round_too_small_for_five(
    leader_client: Client, school: School, team: Team, leader: User
) -> None:
    MembershipFactory.create(user=leader, school=school, team=team)
    colleagues(school, team, 4)
    now = timezone.localtime()

    page = leader_client.post(
        f"/s/{school.slug}/rounds/new/",
        {
            "team": team.pk,
            "template": default_template().pk,
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
            "threshold": 5,
            "open_threshold": 5,
        },
    ).content.decode()

    assert "Deze ronde bereikt 4 leerkrachten, minder dan de drempel van 5" in page
    assert not Round.objects.exists()


def test_facilitators_and_board_admins_are_not_invited_either(school: School, team: Team) -> None:
    facilitator = UserFactory.create()
    MembershipFactory.create(user=facilitator, school=school, role=Membership.Role.FACILITATOR)
    MembershipFactory.create(user=facilitator, school=school, team=team)
    board_admin = UserFactory.create()
    MembershipFactory.create(
        user=board_admin, school=None, board=school.board, role=Membership.Role.BOARD_ADMIN
    )
    MembershipFactory.create(user=board_admin, school=school, team=team)
    # A leader elsewhere is an ordinary teacher here.
    leads_elsewhere = UserFactory.create()
    MembershipFactory.create(user=leads_elsewhere, role=Membership.Role.LEADER)
    MembershipFactory.create(user=leads_elsewhere, school=school, team=team)

    audience = set(Round(school=school, team=team).audience_members())
    whole_school = set(Round(school=school).audience_members())

    assert audience == whole_school == {leads_elsewhere}


# ---------------------------------------------------------------- the people pages


def test_adding_the_leaders_own_address_as_a_teacher_is_refused_and_kept(
    leader_client: Client, school: School, team: Team
) -> None:
    response = leader_client.post(
        f"/s/{school.slug}/people/",
        {"full_name": "Lies Leider", "email": " Leader@Linde.test ", "team": team.pk},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Dit adres hoort bij iemand die deze school leidt" in page
    assert "Een schoolleider vult bij elke ronde een eigen inschatting in." in page
    assert 'value="Lies Leider"' in page and "Leader@Linde.test" in page
    assert f'<option value="{team.pk}" selected>' in page
    assert teachers_of(school) == []


def test_the_refusal_is_in_english_for_an_english_reader(
    leader_client: Client, school: School, leader: User
) -> None:
    leader.language = "en"
    leader.save(update_fields=["language"])

    page = leader_client.post(
        f"/s/{school.slug}/people/", {"full_name": "Me", "email": "leader@linde.test"}
    ).content.decode()

    assert "This address belongs to someone who leads this school" in page
    assert "A leader fills in their own view of each round instead." in page
    assert teachers_of(school) == []


def test_a_facilitators_address_is_refused_too_and_other_mistakes_still_show(
    leader_client: Client, school: School
) -> None:
    facilitator = UserFactory.create(email="coach@linde.test")
    MembershipFactory.create(user=facilitator, school=school, role=Membership.Role.FACILITATOR)

    page = leader_client.post(
        f"/s/{school.slug}/people/", {"full_name": "  ", "email": "coach@linde.test"}
    ).content.decode()

    assert "Dit adres hoort bij iemand die deze school leidt" in page
    assert "Dit veld is verplicht." in page
    assert teachers_of(school) == []


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("team.csv", text.encode(), content_type="text/csv")


def test_a_csv_import_leaves_the_leader_out_and_says_so(
    leader_client: Client, school: School, team: Team
) -> None:
    upload = csv_file(
        "naam;e-mail;team\n"
        "Anna de Vries;anna@linde.test;Onderbouw\n"
        "Lies Leider;LEADER@linde.test;Onderbouw\n"
    )

    page = leader_client.post(
        f"/s/{school.slug}/people/import/", {"file": upload}, follow=True
    ).content.decode()

    assert teachers_of(school) == ["anna@linde.test"]
    assert "1 leerkracht is geïmporteerd." in page
    assert (
        "leader@linde.test leidt deze school en is niet als leerkracht toegevoegd: wie de "
        "resultaten leest, vult de vragenlijst niet in."
    ) in page


def test_a_csv_import_names_every_leader_it_left_out_in_english(
    leader_client: Client, school: School
) -> None:
    coach = UserFactory.create(email="coach@linde.test")
    MembershipFactory.create(user=coach, school=school, role=Membership.Role.FACILITATOR)
    leader_client.cookies["django_language"] = "en"
    upload = csv_file("name,email\nLies,leader@linde.test\nCoach,coach@linde.test\n")

    page = leader_client.post(
        f"/s/{school.slug}/people/import/", {"file": upload}, follow=True
    ).content.decode()

    assert teachers_of(school) == []
    assert (
        "leader@linde.test, coach@linde.test lead this school and were not added as teachers"
    ) in page


def test_a_csv_with_bad_lines_still_imports_nothing_when_a_leader_is_on_it(
    leader_client: Client, school: School
) -> None:
    upload = csv_file("naam,e-mail\nLies,leader@linde.test\nBram,bram-at-linde\n")

    page = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload}).content.decode()

    assert "Regel 3: &#x27;bram-at-linde&#x27; is geen geldig e-mailadres." in page
    assert "Regel 2" not in page
    assert teachers_of(school) == []


# ---------------------------------------------------------------- a teacher who becomes leader


@pytest.fixture
def invited_teacher(school: School, team: Team, teacher: User) -> dict[str, Invitation]:
    """The teacher, invited to an open round (not answered, a draft saved), to another open
    round (answered) and to a round that has closed (not answered)."""
    colleagues(school, team, 5)
    open_unanswered = open_round(school, team=team)
    answered = open_round(school, team=team)
    closed = open_round(school, team=team)
    Round.objects.filter(pk=closed.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    invitations = {
        "unanswered": Invitation.objects.get(round=open_unanswered, user=teacher),
        "answered": Invitation.objects.get(round=answered, user=teacher),
        "closed": Invitation.objects.get(round=closed, user=teacher),
    }
    write_draft(invitations["unanswered"], {"1": 4})
    Invitation.objects.filter(pk=invitations["answered"].pk).update(done=True)
    return invitations


def test_becoming_leader_withdraws_only_the_unanswered_invitations_of_open_rounds(
    client: Client, school: School, teacher: User, invited_teacher: dict[str, Invitation]
) -> None:
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(staff)

    page = client.post(
        "/admin/schools/membership/add/",
        {"user": teacher.pk, "role": Membership.Role.LEADER, "school": school.pk},
        follow=True,
    ).content.decode()

    assert Membership.objects.filter(user=teacher, role=Membership.Role.LEADER).exists()
    left = set(Invitation.objects.filter(user=teacher).values_list("pk", flat=True))
    assert left == {invited_teacher["answered"].pk, invited_teacher["closed"].pk}
    assert not Draft.objects.exists()
    assert "1 onbeantwoorde uitnodiging voor een ronde is ingetrokken." in page


def test_becoming_board_admin_withdraws_them_too_and_another_schools_role_does_not(
    school: School, teacher: User, invited_teacher: dict[str, Invitation]
) -> None:
    now = timezone.now()
    MembershipFactory.create(user=teacher, role=Membership.Role.LEADER)  # another school
    assert Invitation.objects.withdraw_from_leading(teacher, now) == 0

    MembershipFactory.create(
        user=teacher, school=None, board=school.board, role=Membership.Role.BOARD_ADMIN
    )
    assert Invitation.objects.withdraw_from_leading(teacher, now) == 1
    assert not Invitation.objects.filter(pk=invited_teacher["unanswered"].pk).exists()
