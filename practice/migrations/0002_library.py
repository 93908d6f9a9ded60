"""The library of conversation formats, from practice/library.py."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from practice.library import load as load_library

    load_library(apps)


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("practice", "Format").objects.filter(school=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0001_initial"),
        ("interventions", "0002_catalogue"),
    ]

    operations = [migrations.RunPython(load, unload)]
