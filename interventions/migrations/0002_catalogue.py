"""The article's catalogue (Ilgen, 2019): 4 themes, the 26 interventions of Tabel 1 and the 5
recommendations, read from interventions/data/catalogue.yaml. The Dutch text is the source's own
(docs/model.md); English is a translation. Rows are found by their numbers and rewritten, so a
later migration may load the file again after a text was corrected; edits a school makes
happen in the admin, not in the file."""

from pathlib import Path

import yaml
from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "data" / "catalogue.yaml"
LANGUAGES = ("nl", "en")


def read():
    with FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def columns(entry, *fields):
    """A translated text of the file ({"nl": ..., "en": ...}) as the columns <field>_nl and
    <field>_en; an English text may be left out."""
    return {
        f"{field}_{language}": entry[field].get(language, "")
        for field in fields
        for language in LANGUAGES
    }


def load(apps, schema_editor):
    Theme = apps.get_model("interventions", "Theme")
    Intervention = apps.get_model("interventions", "Intervention")
    Recommendation = apps.get_model("interventions", "Recommendation")
    data = read()
    themes = {}
    for entry in data["themes"]:
        themes[entry["number"]], _ = Theme.objects.update_or_create(
            number=entry["number"],
            defaults={
                "slug": entry["slug"],
                "kind": entry["kind"],
                **columns(entry, "name", "summary"),
            },
        )
    recommendations = {}
    for entry in data["recommendations"]:
        recommendations[entry["number"]], _ = Recommendation.objects.update_or_create(
            number=entry["number"], defaults=columns(entry, "title", "body")
        )
    for entry in data["interventions"]:
        theme, number = (int(part) for part in entry["code"].split("."))
        intervention, _ = Intervention.objects.update_or_create(
            theme=themes[theme], number=number, school=None, defaults=columns(entry, "text")
        )
        intervention.recommendations.set([recommendations[n] for n in entry["recommendations"]])


def unload(apps, schema_editor):
    apps.get_model("interventions", "Intervention").objects.filter(school__isnull=True).delete()
    apps.get_model("interventions", "Recommendation").objects.all().delete()
    apps.get_model("interventions", "Theme").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
