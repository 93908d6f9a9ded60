from __future__ import annotations

from django.test import Client

from interventions.models import Intervention, Theme
from schools.models import School, User


def test_a_leader_adds_an_intervention_of_the_schools_own(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    theme = Theme.objects.get(number=2)
    response = client.post(
        f"/s/{school.slug}/interventions/new/",
        {
            "theme": theme.pk,
            "text_nl": "plant elke maand een kijkje in elkaars klas.",
            "text_en": "",
        },
    )
    assert response.status_code == 302
    own = Intervention.objects.get(school=school)
    assert own.code == "2.E1"
    page = client.get("/model/themes/professionele-ontwikkeling/").content.decode()
    assert "plant elke maand een kijkje in elkaars klas." in page
    assert Intervention.objects.catalogue().count() == 26


def test_a_too_short_intervention_is_refused_and_the_text_kept(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    theme = Theme.objects.get(number=1)
    response = client.post(
        f"/s/{school.slug}/interventions/new/",
        {"theme": theme.pk, "text_nl": "abc", "text_en": "keep this"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Beschrijf in een paar woorden wat de schoolleider doet." in page
    assert "keep this" in page
    assert not Intervention.objects.filter(school=school).exists()


def test_a_missing_theme_is_reported(client: Client, leader: User, school: School) -> None:
    client.force_login(leader)
    response = client.post(
        f"/s/{school.slug}/interventions/new/", {"text_nl": "doet iets nuttigs met het team"}
    )
    assert response.status_code == 200
    assert "Dit veld is verplicht." in response.content.decode()


def test_a_leader_edits_and_removes_the_schools_own_intervention(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    theme = Theme.objects.get(number=4)
    own = Intervention.objects.create(
        theme=theme, school=school, number=1, text_nl="oude tekst van de school"
    )
    response = client.post(
        f"/s/{school.slug}/interventions/{own.pk}/edit/",
        {"theme": theme.pk, "text_nl": "nieuwe tekst van de school", "text_en": ""},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.text_nl == "nieuwe tekst van de school"
    client.post(f"/s/{school.slug}/interventions/{own.pk}/delete/")
    assert not Intervention.objects.filter(pk=own.pk).exists()


def test_catalogue_interventions_cannot_be_edited_through_the_school_pages(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    catalogue = Intervention.objects.catalogue().first()
    assert catalogue is not None
    assert client.get(f"/s/{school.slug}/interventions/{catalogue.pk}/edit/").status_code == 404
    assert client.post(f"/s/{school.slug}/interventions/{catalogue.pk}/delete/").status_code == 404
    assert Intervention.objects.filter(pk=catalogue.pk).exists()
