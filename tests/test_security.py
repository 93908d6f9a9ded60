"""Security headers and the Content-Security-Policy: scripts only from the app itself."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client

from dialoog.models import School, User

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_pages_carry_a_csp_without_inline_scripts(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    for url in ("/accounts/login/", f"/s/{school.slug}/", "/model/"):
        header = client.get(url)["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", header)
        assert script_src and "'unsafe-inline'" not in script_src.group(1), header
        assert "frame-ancestors 'none'" in header


def test_no_template_has_an_inline_script_or_handler() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"inline <script> in {path}"
        assert not re.search(r"\son(click|change|submit|load|input)=", text), path


def test_common_security_headers(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
