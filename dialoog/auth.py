"""The authentication backend: Django's ModelBackend, except for how the logged-in person is
read on each request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from .models import User


class Backend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """Every request of a logged-in person starts here. One parameterised statement: for
        a primary-key lookup the ORM spent longer building the query than PostgreSQL
        answering it (bench/RESULTS.md, dashboard)."""
        table = connection.ops.quote_name(User._meta.db_table)
        found = list(User.objects.raw(f"SELECT * FROM {table} WHERE id = %s", [user_id]))  # noqa: S608
        if found and self.user_can_authenticate(found[0]):
            return found[0]
        return None
