"""The national picture: per theme, the mean favourable value over every school's released
whole-school rounds of the past year. Schools are never named or counted per school here;
a figure is only given when at least ``MIN_SCHOOLS`` schools contribute to it, so no school's
result can be read back from it.

Read from the rounds' tallies (``RoundTally``, counted soon after each round closes; only a
released round has them), so it adds up a few rows per statement and round instead of every
answer: one grouped query plus a count of the schools. The benchmark (``make bench``) holds
it to at most 3x a plain sequential count of the answers table at 7 million answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from surveys.anonymity import theme_sums
from surveys.models import Round, RoundTally

MIN_SCHOOLS = 10
WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class NationalTheme:
    mean: float
    answers: int  # answers on the scale ("don't know" left out)


@dataclass(frozen=True)
class National:
    schools: int
    themes: dict[int, NationalTheme]


def _window(now: datetime, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}team__isnull": True,
            f"{prefix}closes_at__lte": now,
            f"{prefix}closes_at__gt": now - WINDOW,
        }
    )


def national_theme_means(now: datetime) -> National | None:
    """``None`` when fewer than ``MIN_SCHOOLS`` schools have a released, counted round in the
    past year."""
    counted = RoundTally.objects.filter(round=OuterRef("pk"))
    schools = (
        Round.objects.filter(_window(now), Exists(counted)).values("school").distinct().count()
    )
    if schools < MIN_SCHOOLS:
        return None
    rows = theme_sums(RoundTally.objects.filter(_window(now, "round__")))
    return National(
        schools=schools,
        themes={
            row["item__theme__number"]: NationalTheme(mean=sums.mean, answers=sums.n)
            for row, sums in rows
        },
    )
