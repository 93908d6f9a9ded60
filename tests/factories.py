"""All test factories in one place."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from schools.models import Board, Membership, School, Team, User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@school.test")
    full_name = factory.Faker("name", locale="nl_NL")
    language = "nl"

    @classmethod
    def _create(cls, model_class: type[User], *args: object, **kwargs: object) -> User:
        kwargs.setdefault("password", "correct horse battery")
        return model_class.objects.create_user(*args, **kwargs)  # type: ignore[arg-type]


class BoardFactory(DjangoModelFactory[Board]):
    class Meta:
        model = Board

    name = factory.Sequence(lambda n: f"Stichting {n}")


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    board = factory.SubFactory(BoardFactory)


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Membership.Role.TEACHER
