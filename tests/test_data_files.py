"""The catalogue, the practice formats and the default questionnaire are data files in their
apps, loaded by the data migrations: what the migrations wrote is exactly what the files say
(every text, in both languages, and every link)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from interventions.models import Intervention, Recommendation, Theme
from practice.models import Format
from surveys.models import QuestionnaireTemplate

ROOT = Path(__file__).resolve().parent.parent


def read(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def texts(obj: object, *fields: str) -> dict[str, dict[str, str]]:
    """The translated texts of a row, shaped as the files write them."""
    return {
        field: {lang: getattr(obj, f"{field}_{lang}") for lang in ("nl", "en")} for field in fields
    }


def test_the_catalogue_is_the_file(db: None) -> None:
    data = read("interventions/data/catalogue.yaml")
    assert [
        {"number": t.number, "slug": t.slug, "kind": t.kind, **texts(t, "name", "summary")}
        for t in Theme.objects.order_by("number")
    ] == data["themes"]
    assert [
        {"number": r.number, **texts(r, "title", "body")}
        for r in Recommendation.objects.order_by("number")
    ] == data["recommendations"]
    assert [
        {
            "code": i.code,
            **texts(i, "text"),
            "recommendations": sorted(r.number for r in i.recommendations.all()),
        }
        for i in Intervention.objects.catalogue()
        .select_related("theme")
        .prefetch_related("recommendations")
    ] == data["interventions"]


def test_the_practice_formats_are_the_file(db: None) -> None:
    data = read("practice/data/formats.yaml")
    formats = Format.objects.library().prefetch_related(
        "steps", "interventions__theme", "recommendations"
    )
    by_slug = {f.slug: f for f in formats}
    assert sorted(by_slug) == sorted(entry["slug"] for entry in data)
    for entry in data:
        fmt = by_slug[entry["slug"]]
        steps = list(fmt.steps.all())
        loaded = {
            "slug": fmt.slug,
            "kind": fmt.kind,
            "group": [fmt.group_min, fmt.group_max],
            "interventions": sorted(i.code for i in fmt.interventions.all()),
            "recommendations": sorted(r.number for r in fmt.recommendations.all()),
            **texts(fmt, "title", "purpose", "roles", "phrases", "pitfalls"),
            "steps": [
                {
                    "minutes": s.minutes,
                    **texts(s, "title", "instruction"),
                    **(texts(s, "prompt") if s.prompt_nl or s.prompt_en else {}),
                }
                for s in steps
            ],
        }
        assert loaded == {**entry, "interventions": sorted(entry["interventions"])}, fmt.slug
        assert fmt.minutes == sum(s.minutes for s in steps)


def test_the_default_questionnaire_is_the_file(db: None) -> None:
    data = read("surveys/data/questionnaire.yaml")
    template = QuestionnaireTemplate.objects.get(name_nl=data["name"]["nl"])
    assert texts(template, "name", "intro") == {"name": data["name"], "intro": data["intro"]}
    items = list(template.items.select_related("theme").prefetch_related("interventions__theme"))

    def shaped(item: Any) -> dict[str, Any]:
        row: dict[str, Any] = {}
        if item.key:
            row["key"] = item.key
        row.update(texts(item, "text", "leader_text"))
        if item.block == "theme":
            row["interventions"] = [i.code for i in item.interventions.order_by("number")]
        if item.reverse_scored:
            row["reverse_scored"] = True
        return row

    themes: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        if item.theme is not None:
            assert item.order == len(themes.setdefault(item.theme.number, [])) + 1
            themes[item.theme.number].append(shaped(item))
    climate = [item for item in items if item.block == "climate"]
    assert [item.order for item in climate] == list(range(1, len(climate) + 1))
    assert themes == data["themes"]
    assert [shaped(item) for item in climate] == data["climate"]
    assert [texts(q, "text") for q in template.open_questions.order_by("order")] == data[
        "open_questions"
    ]
