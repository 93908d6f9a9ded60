"""A leader adds teachers one by one or from a CSV file; a bad file imports nothing and
every bad line is named by its number."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from schools.models import Membership, School, Team, User


def csv_file(text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile("team.csv", text.encode(encoding), content_type="text/csv")


@pytest.fixture
def leader_client(client: Client, leader: User) -> Client:
    client.force_login(leader)
    return client


def teachers_of(school: School) -> list[str]:
    return sorted(
        Membership.objects.filter(school=school, role=Membership.Role.TEACHER).values_list(
            "user__email", flat=True
        )
    )


def test_a_leader_adds_a_teacher_who_gets_a_welcome_email(
    leader_client: Client, school: School, team: Team, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(
            f"/s/{school.slug}/people/",
            {
                "full_name": "Sanne  Vos",
                "email": "Sanne@Linde.TEST",
                "team": team.pk,
                "language": "nl",
            },
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="sanne@linde.test")
    assert membership.team == team
    assert membership.user.full_name == "Sanne Vos"
    assert membership.invited_at is not None
    [message] = mail.outbox
    assert message.to == ["sanne@linde.test"]
    assert "OBS De Linde" in message.subject
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "/accounts/login/code/" in message.body and "/accounts/login/code/" in html


def test_the_welcome_email_follows_the_teachers_language(
    leader_client: Client, school: School, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(
            f"/s/{school.slug}/people/",
            {"full_name": "Jane Doe", "email": "jane@linde.test", "language": "en"},
        )
    assert "Welcome to dialoog" in mail.outbox[0].subject


def test_adding_a_teacher_with_a_bad_email_keeps_what_was_typed(
    leader_client: Client, school: School
) -> None:
    response = leader_client.post(
        f"/s/{school.slug}/people/",
        {"full_name": "Sanne Vos", "email": "sanne-at-linde", "language": "nl"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Voer een geldig e-mailadres in." in page
    assert 'value="Sanne Vos"' in page and 'value="sanne-at-linde"' in page
    assert teachers_of(school) == []


def test_the_same_teacher_cannot_be_added_twice(
    leader_client: Client, school: School, teacher: User
) -> None:
    response = leader_client.post(
        f"/s/{school.slug}/people/",
        {"full_name": "Tim", "email": "TEACHER@linde.test", "language": "nl"},
    )
    assert "Deze persoon is al leerkracht op deze school." in response.content.decode()
    assert teachers_of(school) == ["teacher@linde.test"]


def test_a_teacher_of_another_school_keeps_their_account_and_gains_a_role(
    leader_client: Client, school: School, outsider: User
) -> None:
    leader_client.post(
        f"/s/{school.slug}/people/",
        {"full_name": "Andere Naam", "email": outsider.email, "language": "en"},
    )
    outsider.refresh_from_db()
    assert outsider.full_name == "Otto Buiten"
    assert outsider.memberships.count() == 2


def test_a_clean_csv_imports_everyone_and_sends_each_a_welcome(
    leader_client: Client, school: School, team: Team, django_capture_on_commit_callbacks
) -> None:
    upload = csv_file(
        "naam;e-mail;team\n"
        "Anna de Vries;anna@linde.test;Onderbouw\n"
        "Bram Jansen;BRAM@linde.test;onderbouw\n"
        "\n"
        "Cas Smit;cas@linde.test;\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload})
    assert response.status_code == 302
    assert teachers_of(school) == ["anna@linde.test", "bram@linde.test", "cas@linde.test"]
    assert Membership.objects.get(user__email="bram@linde.test").team == team
    assert Membership.objects.get(user__email="cas@linde.test").team is None
    assert len(mail.outbox) == 3


def test_a_csv_with_bad_lines_imports_nothing_and_names_every_bad_line(
    leader_client: Client, school: School, team: Team
) -> None:
    upload = csv_file(
        "name,email,team\n"
        "Anna de Vries,anna@linde.test,Onderbouw\n"
        ",bram@linde.test,Onderbouw\n"
        "Cas Smit,cas-at-linde,Onderbouw\n"
        "Dirk Dekker,anna@linde.test,Onderbouw\n"
        "Eva Bos,eva@linde.test,Middenbouw\n"
    )
    response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Er is niets geïmporteerd." in page
    assert "Regel 3: de naam is leeg." in page
    assert "Regel 4: &#x27;cas-at-linde&#x27; is geen geldig e-mailadres." in page
    assert "Regel 5: anna@linde.test staat al op regel 2." in page
    assert "Regel 6: team &#x27;Middenbouw&#x27; bestaat niet (teams: Onderbouw)." in page
    assert "Regel 2" not in page
    assert teachers_of(school) == []


def test_csv_errors_are_reported_in_english_for_an_english_reader(
    leader_client: Client, school: School
) -> None:
    leader_client.cookies["django_language"] = "en"
    upload = csv_file("name,email\nAnna,not-an-email\n")
    page = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload}).content.decode()
    assert "Line 2: &#x27;not-an-email&#x27; is not a valid e-mail address." in page
    assert teachers_of(school) == []


def test_unknown_teams_can_be_created_on_import(leader_client: Client, school: School) -> None:
    upload = csv_file("naam,e-mail,team\nEva Bos,eva@linde.test,Middenbouw\n")
    leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload, "create_teams": "on"})
    assert Membership.objects.get(user__email="eva@linde.test").team.name == "Middenbouw"  # type: ignore[union-attr]


def test_a_csv_without_the_required_columns_is_refused(
    leader_client: Client, school: School
) -> None:
    upload = csv_file("voornaam;achternaam\nAnna;de Vries\n")
    page = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload}).content.decode()
    assert "Regel 1: de kolommen" in page
    assert teachers_of(school) == []


def test_an_empty_or_missing_file_is_refused(leader_client: Client, school: School) -> None:
    response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": csv_file("")})
    assert response.status_code == 200
    response = leader_client.post(f"/s/{school.slug}/people/import/", {})
    assert "Dit veld is verplicht." in response.content.decode()
    assert teachers_of(school) == []


def test_a_windows_excel_export_is_read(leader_client: Client, school: School) -> None:
    upload = csv_file("naam;e-mail\r\nJoëlle Çelik;joelle@linde.test\r\n", encoding="cp1252")
    leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload})
    assert User.objects.get(email="joelle@linde.test").full_name == "Joëlle Çelik"


def test_people_already_on_the_list_are_left_alone(
    leader_client: Client, school: School, teacher: User
) -> None:
    upload = csv_file("naam,e-mail\nTim Anders,teacher@linde.test\nNina Nieuw,nina@linde.test\n")
    response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.full_name == "Tim Leerkracht"
    assert teachers_of(school) == ["nina@linde.test", "teacher@linde.test"]


def test_a_leader_adds_a_team_and_duplicates_are_refused(
    leader_client: Client, school: School, team: Team
) -> None:
    leader_client.post(f"/s/{school.slug}/teams/add/", {"name": "Bovenbouw"})
    response = leader_client.post(f"/s/{school.slug}/teams/add/", {"name": "onderbouw"})
    page = response.content.decode()
    assert "Deze school heeft al een team met die naam." in page
    assert 'value="onderbouw"' in page
    assert sorted(Team.objects.filter(school=school).values_list("name", flat=True)) == [
        "Bovenbouw",
        "Onderbouw",
    ]


def test_the_people_page_lists_the_team(
    leader_client: Client, school: School, teacher: User
) -> None:
    page = leader_client.get(f"/s/{school.slug}/people/").content.decode()
    assert "Tim Leerkracht" in page and "teacher@linde.test" in page


def test_a_binary_file_is_refused_with_a_clear_message(
    leader_client: Client, school: School
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    for raw in (b"\x81\x8d\x90 geen tekst", b"naam;e-mail\x00;team\n"):
        upload = SimpleUploadedFile("leraren.csv", raw, content_type="text/csv")
        response = leader_client.post(f"/s/{school.slug}/people/import/", {"file": upload})
        assert response.status_code == 200
        assert "Dit is geen CSV-tekstbestand." in response.content.decode()
    assert teachers_of(school) == []
