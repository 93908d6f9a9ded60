"""Content that the data migrations load from YAML files (each app's ``data/`` folder): the
catalogue, the default questionnaire, the practice formats. One reader for all three, and one
way to turn a translated text of a file into the columns of a translated field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("nl", "en")


def read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def columns(entry: dict[str, Any], *fields: str, optional: bool = False) -> dict[str, str]:
    """A translated text of a file (``{"nl": ..., "en": ...}``) as the columns ``<field>_nl``
    and ``<field>_en``. An English text may be left out; with ``optional`` the whole text may
    be (a step's prompt), otherwise a missing text is an error in the file."""
    return {
        f"{field}_{language}": (entry.get(field, {}) if optional else entry[field]).get(
            language, ""
        )
        for field in fields
        for language in LANGUAGES
    }
