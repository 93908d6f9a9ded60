"""The article's catalogue (Ilgen, 2019): 4 themes, the 26 interventions of Tabel 1 and the 5
recommendations, read from interventions/data/catalogue.yaml. The Dutch text is the source's own
(docs/model.md); English is a translation. Rows are found by their numbers and rewritten, so a
later migration may load the file again after a text was corrected; edits a school makes
happen in the admin, not in the file."""

from pathlib import Path

from django.db import migrations

from schools.datafiles import columns, read

FILE = Path(__file__).resolve().parent.parent / "data" / "catalogue.yaml"




def load(apps, schema_editor):
    Theme = apps.get_model("interventions", "Theme")
    Intervention = apps.get_model("interventions", "Intervention")
    Recommendation = apps.get_model("interventions", "Recommendation")
    data = read(FILE)
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
