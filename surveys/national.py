"""The national picture: per theme, the mean favourable value over every school's released
whole-school rounds of the past year. Schools are never named or counted per school here;
a figure is only given when at least ``MIN_SCHOOLS`` schools contribute to it, so no school's
result can be read back from it.

One grouped query over the answers (plus one over the rounds), computed in the database; the
benchmark (``bench/run.py``) holds it to at most 3x a plain sequential count of the answers
table at 7 million answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.aggregates import Avg

from .anonymity import _favourable
from .models import Answer, Block, Response, Round

MIN_SCHOOLS = 10
WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class NationalTheme:
    mean: float
    answers: int


@dataclass(frozen=True)
class National:
    schools: int
    themes: dict[int, NationalTheme]


def released_rounds(now: datetime) -> QuerySet[Round]:
    """Whole-school rounds that closed in the past year and reached their threshold."""
    responses = (
        Response.objects.filter(round=OuterRef("pk"))
        .order_by()
        .values("round")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Round.objects.filter(team__isnull=True, closes_at__lte=now, closes_at__gt=now - WINDOW)
        .annotate(respondents=Subquery(responses))
        .filter(respondents__gte=F("threshold"))
    )


def national_theme_means(now: datetime) -> National | None:
    """``None`` when fewer than ``MIN_SCHOOLS`` schools have a released round this year."""
    rounds = released_rounds(now)
    schools = rounds.values("school").distinct().count()
    if schools < MIN_SCHOOLS:
        return None
    rows = (
        Answer.objects.filter(Q(response__round__in=rounds.values("pk")), item__block=Block.THEME)
        .values("item__theme__number")
        .annotate(mean=Avg(_favourable(), output_field=FloatField()), answers=Count("value"))
        .order_by()
    )
    return National(
        schools=schools,
        themes={
            row["item__theme__number"]: NationalTheme(
                mean=float(row["mean"]), answers=row["answers"]
            )
            for row in rows
            if row["mean"] is not None
        },
    )
