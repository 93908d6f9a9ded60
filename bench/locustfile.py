"""A school morning under load: 40 teachers answer the questionnaire on their phones, the
leader keeps the dashboard open, and 30 phones of a focus group poll their screen.

Run by ``tests/test_load.py`` against gunicorn with the production settings; by hand::

    LOAD_PLAN=plan.json LOAD_RESULT=submitted.json locust -f bench/locustfile.py \\
        --headless --users 71 --spawn-rate 71 --run-time 60s --host http://127.0.0.1:8000

LOAD_PLAN is a JSON file with ``tokens`` (one invitation link token per teacher), ``leader``
(``email`` and ``password``), ``school`` (its slug), ``round`` (the open round's id) and
``code`` (the focus group's joining code). Each teacher writes what they chose to LOAD_RESULT
at the end, so that the test can check every answer was stored exactly once."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
TOKENS: list[str] = list(PLAN["tokens"])
SUBMITTED: list[dict[str, int]] = []

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ITEM = re.compile(r'name="item-(\d+)"')
DONT_KNOW = 0


def csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise StopUser("no CSRF token on the page")
    return found.group(1)


class Teacher(HttpUser):
    """Opens the e-mailed link, answers step by step (a few seconds per step), submits."""

    fixed_count = 40
    wait_time = between(0.5, 2.0)

    @task
    def answer(self) -> None:
        if not TOKENS:
            raise StopUser
        token = TOKENS.pop()
        page = self.client.get(f"/i/{token}/", name="/i/[token]/")
        chosen: dict[str, int] = {}
        for _step in range(12):
            path = urlsplit(page.url).path
            if page.status_code != 200 or path.endswith("/review/"):
                break
            data = {"csrfmiddlewaretoken": csrf(page.text), "go": "next"}
            for pk in dict.fromkeys(ITEM.findall(page.text)):
                value = random.choice([DONT_KNOW, 1, 2, 3, 4, 4, 5])
                data[f"item-{pk}"] = str(value)
                chosen[pk] = value
            self.wait()
            page = self.client.post(path, data, name="/vragenlijst/[step]/")
        with self.client.post(
            "/vragenlijst/verzenden/",
            {"csrfmiddlewaretoken": csrf(page.text)},
            name="/vragenlijst/verzenden/",
            catch_response=True,
        ) as done:
            # The thank-you page lists the teacher's own copy of the answers.
            if done.status_code == 200 and 'data-testid="copy"' in done.text:
                SUBMITTED.append(chosen)
                done.success()
            else:
                done.failure(f"submit answered {done.status_code} without the copy")
        raise StopUser


class Leader(HttpUser):
    """Logs in and keeps the dashboard and the round's page open."""

    fixed_count = 1
    wait_time = between(2.0, 4.0)

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/")
        with self.client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": csrf(page.text),
                "login": PLAN["leader"]["email"],
                "password": PLAN["leader"]["password"],
            },
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure("the leader could not log in")

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"/s/{PLAN['school']}/", name="/s/[school]/")

    @task(1)
    def round(self) -> None:
        self.client.get(
            f"/s/{PLAN['school']}/rounds/{PLAN['round']}/", name="/s/[school]/rounds/[id]/"
        )


class Phone(HttpUser):
    """Joins the focus group with the code on the screen, then polls every two seconds as
    the page's htmx does, with the ETag of what it shows."""

    fixed_count = 30
    wait_time = constant(2)

    def on_start(self) -> None:
        self.etag = ""
        page = self.client.get("/doe-mee/")
        with self.client.post(
            "/doe-mee/",
            {"csrfmiddlewaretoken": csrf(page.text), "code": PLAN["code"]},
            name="/doe-mee/ (join)",
            catch_response=True,
        ) as joined:
            if not urlsplit(joined.url).path.endswith("/doe-mee/sessie/"):
                joined.failure(f"joining ended at {joined.url}")

    @task
    def poll(self) -> None:
        headers = {"HX-Request": "true"}
        if self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.get(
            "/doe-mee/sessie/live/", headers=headers, catch_response=True
        ) as response:
            if response.status_code == 200:
                self.etag = response.headers.get("ETag", "")
                response.success()
            elif response.status_code == 304:
                response.success()
            else:
                response.failure(f"poll answered {response.status_code}")


@events.test_stop.add_listener
def _write_result(**_kwargs: Any) -> None:
    Path(os.environ["LOAD_RESULT"]).write_text(json.dumps(SUBMITTED))
