"""What a web worker loads before its first request: every worker of every page pays for it
in memory (issue 17: at most 100 MiB per worker), so libraries only one page uses are
imported by that page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Excel export, the calendar feed and the presenters' QR code.
ONLY_WHEN_USED = ("openpyxl", "icalendar", "segno")


def test_a_web_worker_starts_without_the_libraries_of_single_pages() -> None:
    script = (
        "import json, sys, django; django.setup(); "
        "from dialoog.wsgi import application; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        f"names = {ONLY_WHEN_USED!r}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in names)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
