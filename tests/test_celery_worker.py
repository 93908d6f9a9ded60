"""The welcome e-mail goes through a real Celery worker process on Redis, against the test
database, and is sent once even when the task is delivered twice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schools.models import Membership
from schools.tasks import send_welcome_email

from .celery_workers import Workers
from .factories import MembershipFactory, SchoolFactory, UserFactory


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_welcome_email_once(tmp_path: Path) -> None:

    school = SchoolFactory.create(name="OBS Het Anker")
    teacher = UserFactory.create(
        email="worker-test@anker.test", full_name="Wim Werker", language="en"
    )
    membership = MembershipFactory.create(user=teacher, school=school)

    # The configured broker: Redis, or the filesystem transport without REDIS_URL.
    workers = Workers(tmp_path, os.environ.get("REDIS_URL", ""))

    def both_finished() -> list[str]:
        runs = workers.results("schools.tasks.send_welcome_email")
        return runs if len(runs) >= 2 else []

    try:
        workers.start()
        # Delivered twice, as a retry or a second beat would: the claim lets one through.
        send_welcome_email.apply_async(args=(membership.pk,), queue=workers.queue)
        send_welcome_email.apply_async(args=(membership.pk,), queue=workers.queue)
        results = workers.wait_for(both_finished, "both deliveries of the welcome task to finish")
    finally:
        workers.stop()

    assert sorted(results) == ["False", "True"], workers.output()
    files = workers.mails()
    assert len(files) == 1, workers.output()
    message = files[0].read_text()
    assert "worker-test@anker.test" in message
    assert "Welcome to dialoog at OBS Het Anker" in message
    assert Membership.objects.get(pk=membership.pk).invited_at is not None
