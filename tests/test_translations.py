"""The Dutch catalogue is complete and its compiled .mo (committed, because a fresh machine may
lack gettext) says the same as the .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def parse_po(path: Path) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                entries.append(current)
            current, key = {}, ""
            continue
        if line.startswith("#,"):
            current["flags"] = line
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line):
            key = match.group(1)
            current[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
    if current:
        entries.append(current)
    return [e for e in entries if e.get("msgid")]


def test_every_dutch_message_is_translated_and_none_is_fuzzy() -> None:
    entries = parse_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 150
    for entry in entries:
        assert "fuzzy" not in entry.get("flags", ""), entry["msgid"]
        translated = entry.get("msgstr") or entry.get("msgstr[0]")
        assert translated, f"untranslated: {entry['msgid']!r}"


def test_the_compiled_dutch_catalogue_matches_the_po_file() -> None:
    with (LOCALE / "nl" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in parse_po(LOCALE / "nl" / "LC_MESSAGES" / "django.po"):
        if "msgid_plural" in entry:
            assert (
                compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            ), entry["msgid"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


def test_every_translated_text_is_marked_so_makemessages_finds_it() -> None:
    """makemessages finds a text only in a call it knows (``_``, ``gettext``, ``gettext_lazy``,
    ...): a call through another alias is never put in the catalogue, so it stays English on
    a Dutch page."""
    import ast
    from pathlib import Path

    from django.conf import settings

    known = {
        "_",
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "gettext_noop",
    }
    root = Path(settings.BASE_DIR)
    aliased = []
    for app in settings.PROJECT_APPS:
        for path in (root / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    aliased += [
                        f"{path.relative_to(root)}:{node.lineno} {a.name} as {a.asname}"
                        for a in node.names
                        if a.asname and a.asname not in known
                    ]
    assert aliased == []
