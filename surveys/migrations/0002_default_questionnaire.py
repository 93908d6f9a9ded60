"""The default questionnaire, "Professionele dialoog in ons team", read from
surveys/data/questionnaire.yaml (which says how its statements were written from the article's
model, docs/model.md).

Loaded once: later edits happen in the admin (and reach rounds through a new frozen version),
so a template that is already there keeps its content."""

from pathlib import Path

from django.db import migrations

from schools.datafiles import columns, read

FILE = Path(__file__).resolve().parent.parent / "data" / "questionnaire.yaml"




def load(apps, schema_editor):
    QuestionnaireTemplate = apps.get_model("surveys", "QuestionnaireTemplate")
    TemplateItem = apps.get_model("surveys", "TemplateItem")
    TemplateOpenQuestion = apps.get_model("surveys", "TemplateOpenQuestion")
    Theme = apps.get_model("interventions", "Theme")
    Intervention = apps.get_model("interventions", "Intervention")
    data = read(FILE)

    template, created = QuestionnaireTemplate.objects.get_or_create(
        name_nl=data["name"]["nl"],
        defaults={
            "name_en": data["name"].get("en", ""),
            **columns(data, "intro"),
        },
    )
    # Already there (run before, or made by hand): leave its content alone, never duplicate it.
    if not created and (template.items.exists() or template.open_questions.exists()):
        return

    themes = {t.number: t for t in Theme.objects.filter(number__in=data["themes"])}
    catalogue = {
        f"{i.theme.number}.{i.number}": i
        for i in Intervention.objects.filter(school__isnull=True).select_related("theme")
    }
    statements = [
        ("theme", themes[number], order, entry)
        for number, entries in data["themes"].items()
        for order, entry in enumerate(entries, start=1)
    ] + [("climate", None, order, entry) for order, entry in enumerate(data["climate"], start=1)]
    items = TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            block=block,
            theme=theme,
            order=order,
            reverse_scored=entry.get("reverse_scored", False),
            key=entry.get("key", ""),
            **columns(entry, "text", "leader_text"),
        )
        for block, theme, order, entry in statements
    )
    for item, (_block, _theme, _order, entry) in zip(items, statements, strict=True):
        if entry.get("interventions"):
            item.interventions.set([catalogue[code] for code in entry["interventions"]])
    TemplateOpenQuestion.objects.bulk_create(
        TemplateOpenQuestion(template=template, order=order, **columns(entry, "text"))
        for order, entry in enumerate(data["open_questions"], start=1)
    )


def unload(apps, schema_editor):
    QuestionnaireTemplate = apps.get_model("surveys", "QuestionnaireTemplate")
    # A template that has been frozen into a version is kept: rounds and their results point
    # at that version (PROTECT). Going forward again finds it and leaves it as it is.
    QuestionnaireTemplate.objects.filter(
        name_nl=read(FILE)["name"]["nl"], versions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("interventions", "0002_catalogue"),
    ]

    operations = [migrations.RunPython(load, unload)]
