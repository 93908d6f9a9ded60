"""The authentication backend: Django's ModelBackend, except for how the logged-in person is
read on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from . import prepared
from .models import User

_PERSON = prepared.Statement(
    "dialoog_person",
    lambda: (
        f"SELECT {prepared.columns(User, 'u')} FROM {prepared.table(User)} u"  # noqa: S608
        " WHERE u.id = %(id)s"
    ),
)


class Backend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """Every request of a logged-in person starts here: one prepared statement
        (dialoog/prepared.py). Through the ORM, building the query took longer than
        PostgreSQL answering it (bench/RESULTS.md, dashboard)."""
        user = _PERSON.fetch_model(User, {"id": user_id})
        if user is not None and self.user_can_authenticate(user):
            return user
        return None
