"""The library of conversation formats, read from practice/data/formats.yaml. A format is found
by its slug and rewritten with its steps, so a later migration may load the file again after a
text was improved."""

from pathlib import Path

from django.db import migrations

from schools.datafiles import columns, read

FILE = Path(__file__).resolve().parent.parent / "data" / "formats.yaml"




def load(apps, schema_editor):
    Format = apps.get_model("practice", "Format")
    FormatStep = apps.get_model("practice", "FormatStep")
    Intervention = apps.get_model("interventions", "Intervention")
    Recommendation = apps.get_model("interventions", "Recommendation")
    for entry in read(FILE):
        fmt, _ = Format.objects.update_or_create(
            school=None,
            slug=entry["slug"],
            defaults={
                "kind": entry["kind"],
                "minutes": sum(step["minutes"] for step in entry["steps"]),
                "group_min": entry["group"][0],
                "group_max": entry["group"][1],
                **columns(entry, "title", "purpose", "roles", "phrases", "pitfalls", optional=True),
            },
        )
        FormatStep.objects.filter(format=fmt).delete()
        FormatStep.objects.bulk_create(
            FormatStep(
                format=fmt,
                order=number,
                minutes=step["minutes"],
                **columns(step, "title", "instruction", "prompt", optional=True),
            )
            for number, step in enumerate(entry["steps"], start=1)
        )
        codes = [[int(part) for part in code.split(".")] for code in entry["interventions"]]
        fmt.interventions.set(
            [
                Intervention.objects.get(theme__number=theme, number=number, school=None)
                for theme, number in codes
            ]
        )
        fmt.recommendations.set(Recommendation.objects.filter(number__in=entry["recommendations"]))


def unload(apps, schema_editor):
    apps.get_model("practice", "Format").objects.filter(school=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0001_initial"),
        ("interventions", "0002_catalogue"),
    ]

    operations = [migrations.RunPython(load, unload)]
