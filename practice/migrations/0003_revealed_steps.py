from typing import Any

from django.db import migrations, models


def reveal_answered_steps(apps: Any, schema_editor: Any) -> None:
    # Until now answers appeared on the beamer as they came in: those steps were seen, so they
    # count as revealed (and frozen).
    PracticeSession = apps.get_model("practice", "PracticeSession")
    StepInput = apps.get_model("practice", "StepInput")
    steps: dict[int, set[int]] = {}
    for session_id, step in StepInput.objects.values_list("session_id", "step").distinct():
        steps.setdefault(session_id, set()).add(step)
    for session_id, numbers in steps.items():
        PracticeSession.objects.filter(pk=session_id).update(revealed_steps=sorted(numbers))


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_library"),
    ]

    operations = [
        migrations.AddField(
            model_name="practicesession",
            name="revealed_steps",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(reveal_answered_steps, migrations.RunPython.noop),
    ]
