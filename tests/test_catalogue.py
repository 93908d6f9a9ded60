"""The article's catalogue: exactly 4 themes, 26 interventions and 5 recommendations, with the
Dutch wording of docs/model.md (the canonical reading of the source) and an English text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from interventions.models import Intervention, Recommendation, Theme
from schools.models import School, User

MODEL_MD = Path(__file__).resolve().parent.parent / "docs" / "model.md"


def tabel_1() -> dict[tuple[int, int], str]:
    """Parse Tabel 1 from docs/model.md: {(theme, number): Dutch text}."""
    text = MODEL_MD.read_text(encoding="utf-8")
    table = text.split("## Tabel 1", 1)[1].split("\n## ", 1)[0]
    found: dict[tuple[int, int], str] = {}
    theme = 0
    for line in table.splitlines():
        if heading := re.match(r"### (\d)\. ", line):
            theme = int(heading.group(1))
        elif item := re.match(r"(\d)\. (.+)", line):
            found[(theme, int(item.group(1)))] = item.group(2).strip()
    return found


def recommendation_titles() -> dict[int, str]:
    text = MODEL_MD.read_text(encoding="utf-8")
    return {
        int(n): title.strip()
        for n, title in re.findall(r"^(\d)\. \*\*(.+?)\*\*", text, flags=re.MULTILINE)
    }


@pytest.mark.django_db
def test_the_catalogue_holds_exactly_the_articles_counts() -> None:
    assert Theme.objects.count() == 4
    assert Intervention.objects.catalogue().count() == 26
    assert Recommendation.objects.count() == 5
    per_theme = [t.interventions.count() for t in Theme.objects.order_by("number")]
    assert per_theme == [7, 7, 6, 6]


@pytest.mark.django_db
def test_interventions_carry_the_sources_dutch_wording_and_an_english_translation() -> None:
    expected = tabel_1()
    assert len(expected) == 26
    stored = {
        (i.theme.number, i.number): i
        for i in Intervention.objects.catalogue().select_related("theme")
    }
    assert set(stored) == set(expected)
    for key, dutch in expected.items():
        assert stored[key].text_nl == dutch, key
        assert stored[key].text_en and stored[key].text_en != dutch, key


@pytest.mark.django_db
def test_recommendation_titles_are_the_sources_own() -> None:
    titles = recommendation_titles()
    assert len(titles) == 5
    for rec in Recommendation.objects.all():
        assert rec.title_nl == titles[rec.number]
        assert rec.title_en and rec.body_nl and rec.body_en


@pytest.mark.django_db
def test_the_central_theme_is_the_how_and_the_three_topics_the_why() -> None:
    kinds = dict(Theme.objects.values_list("number", "kind"))
    assert kinds == {1: "central", 2: "topic", 3: "topic", 4: "topic"}


@pytest.mark.django_db
def test_every_recommendation_is_served_by_interventions_of_tabel_1() -> None:
    for rec in Recommendation.objects.all():
        assert rec.interventions.exists(), rec.number
    # Aanbeveling 2 ("geef aan waar spanning zit") is served by "signaleert spanningen".
    signals = Intervention.objects.get(theme__number=3, number=2)
    assert list(signals.recommendations.values_list("number", flat=True)) == [2]


@pytest.mark.django_db
def test_texts_follow_the_active_language() -> None:
    theme = Theme.objects.get(number=3)
    with translation.override("nl"):
        assert theme.name == "Collectief leren"
    with translation.override("en"):
        assert theme.name == "Collective learning"


def test_the_model_page_shows_the_model_in_dutch_and_english(client: Client, leader: User) -> None:
    client.force_login(leader)
    dutch = client.get("/model/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "De professionele dialoog" in dutch
    assert "Professionele leergemeenschap" in dutch
    client.cookies["django_language"] = "en"
    english = client.get("/model/").content.decode()
    assert "Professional learning community" in english
    assert "Keep the conversation about the professional dialogue going." in english


def test_a_theme_page_lists_its_interventions(client: Client, leader: User) -> None:
    client.force_login(leader)
    page = client.get("/model/themes/collectief-leren/").content.decode()
    assert "signaleert spanningen en maakt deze bespreekbaar." in page
    assert page.count('class="intervention-code') == 6


def test_a_recommendation_page_shows_its_text_and_interventions(
    client: Client, leader: User
) -> None:
    client.force_login(leader)
    page = client.get("/model/recommendations/5/").content.decode()
    assert "Faciliteer, oefen en gebruik voorbeelden." in page
    assert "jaarkalender" in page
    assert "faciliteert en begeleidt groepsreflecties." in page


def test_the_catalogue_is_two_clicks_from_the_dashboard(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    dashboard = client.get(f"/s/{school.slug}/").content.decode()
    assert 'href="/model/"' in dashboard
    model = client.get("/model/").content.decode()
    for slug in Theme.objects.values_list("slug", flat=True):
        assert f'href="/model/themes/{slug}/"' in model
    for number in range(1, 6):
        assert f'href="/model/recommendations/{number}/"' in model


def test_catalogue_pages_need_a_login(client: Client, db: None) -> None:
    response = client.get("/model/")
    assert response.status_code == 302


def test_an_unknown_theme_is_a_404(client: Client, leader: User) -> None:
    client.force_login(leader)
    assert client.get("/model/themes/bestaat-niet/").status_code == 404
    assert client.get("/model/recommendations/6/").status_code == 404
