"""What the leader may see of the reflections after practice sessions.

The rules are those of ``surveys/anonymity.py`` (and reuse its ``Gate`` and ``is_releasable``):
no figure and no count of fewer than the session's threshold (at least 3), and nothing while
the session is still running, because every new figure would then differ from the previous one
by exactly the person who just answered. Texts ("what do we keep doing?") come out shuffled by
the operating system's randomness, without ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from surveys.anonymity import BELOW_THRESHOLD, Gate, is_releasable
from surveys.charts import trend_sparkline

from .models import Format, PracticeSession, Reflection

NOT_CLOSED = _("The reflection is shown once the session has been closed.")

_shuffler = random.SystemRandom()


def reflection_gate(session: PracticeSession, count: int) -> Gate:
    """May the reflections of ``session`` (``count`` of them) be shown? No query."""
    threshold = session.threshold
    if not is_releasable(count, threshold):
        return Gate(released=False, respondents=None, reason="below_threshold", threshold=threshold)
    if not session.is_closed():
        return Gate(released=False, respondents=None, reason="not_closed", threshold=threshold)
    return Gate(released=True, respondents=count, reason="ok", threshold=threshold)


def gate_message(gate: Gate) -> str:
    if gate.reason == "not_closed":
        return str(NOT_CLOSED)
    if gate.reason == "below_threshold":
        return str(BELOW_THRESHOLD) % {"n": gate.threshold}
    return ""


@dataclass
class Point:
    session: PracticeSession
    gate: Gate
    mean: float | None
    message: str
    keep: list[str] = field(default_factory=list)


@dataclass
class FormatTrend:
    format: Format
    points: list[Point]

    @property
    def released(self) -> list[Point]:
        return [p for p in self.points if p.gate.released]

    def sparkline(self) -> str:
        return trend_sparkline(
            [(p.session.day().isoformat(), p.mean) for p in self.released if p.mean is not None]
        )


def trends(sessions: list[PracticeSession]) -> list[FormatTrend]:
    """Per format, its sessions that ran, in date order, with what may be shown of each.
    ``sessions`` come from ``with_reflection_stats()``; the kept texts are read in one more
    query, for the released sessions only."""
    points: dict[int, FormatTrend] = {}
    released: dict[int, Point] = {}
    for session in sessions:
        if session.started_at is None:
            continue  # planned, not run: there is nothing to reflect on yet
        count = getattr(session, "reflection_count", 0)
        gate = reflection_gate(session, count)
        mean = getattr(session, "reflection_mean", None) if gate.released else None
        point = Point(session=session, gate=gate, mean=mean, message=gate_message(gate))
        if gate.released:
            released[session.pk] = point
        points.setdefault(session.format_id, FormatTrend(session.format, [])).points.append(point)
    if released:
        texts = Reflection.objects.filter(session__in=list(released)).exclude(keep="")
        for session_id, keep in texts.values_list("session_id", "keep"):
            released[session_id].keep.append(keep)
        for point in released.values():
            _shuffler.shuffle(point.keep)
    return sorted(points.values(), key=lambda t: t.format.title)
