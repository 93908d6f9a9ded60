"""Many schools at once for the scan's query-count test and the benchmark
(``bench/measure.py``): bulk inserts only, so building 7,000 schools takes seconds."""

from __future__ import annotations

from schools.models import Membership, School, User

# "!" is an unusable password: these people can never log in.
UNUSABLE = "!"


def build_schools(n: int, *, prefix: str) -> list[School]:
    """``n`` schools, each with one leader and nothing planned."""
    schools = School.objects.bulk_create(
        School(name=f"{prefix} {i}", slug=f"{prefix}-{i}") for i in range(n)
    )
    users = User.objects.bulk_create(
        User(email=f"{prefix}-{i}@bench.test", password=UNUSABLE) for i in range(n)
    )
    Membership.objects.bulk_create(
        Membership(user=u, school=s, role=Membership.Role.LEADER)
        for u, s in zip(users, schools, strict=True)
    )
    return schools
