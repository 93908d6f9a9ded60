"""Suggestions: from a signal to the article's recommendations and interventions.

A signal says *where* to look; the leader then needs *what to do*, and the article gives that
in its five recommendations (Aanbevelingen) and the 26 interventions of Tabel 1. The rules below
turn each signal into one or two concrete suggestions from that catalogue, with a sentence that
shows the chain (signal → recommendation → interventions), so the leader can see why a
suggestion is made and judge it. The leader's choice is stored against ``Suggestion.key``,
which stays the same for the same signal.

The article's two intervention routes are made explicit: a problem in a topic (the why) is also
offered the central theme's "how" (put the conversation about how we talk on the agenda), and a
problem in the central theme (the how) is connected to the weakest topic. "Both work, as long
as the connection between them is made." The rules are described in docs/signals.md.

Only the article's catalogue is suggested: a school's own interventions are not linked to
statements or recommendations, so there is nothing to base a suggestion on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from django.db.models import F
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from interventions.models import Intervention, Recommendation, Theme
from schools.models import School
from surveys.models import Item, Round, intervention_ids
from surveys.signals import ItemStats, Signal, lowest_items, theme_means

Route = Literal["how_to_why", "why_to_how"]

# (theme number, number) of the catalogue interventions the fixed rules point at.
KEEP_TALKING = (1, 1)  # houdt de professionele dialoog op de agenda
SHAPE_AGENDA = (1, 2)  # geeft vorm aan deze agenda
SET_EXAMPLE = (1, 5)  # voorbeeldrol: nodigt uit om feedback te geven
NOTICE_TENSION = (3, 2)  # signaleert spanningen en maakt deze bespreekbaar
WHAT_IS_OKAY = (3, 5)  # afspraken: wat kan wel en wat kan niet?
MONITOR_TENSION = (4, 2)  # monitort ... of er spanningen zijn
TALK_ABOUT_DIFFERENCES = (4, 4)  # momenten om openhartig te praten over verschillen
NAME_WHAT_YOU_SEE = (4, 5)  # benoemt regelmatig wat hij ziet

# Recommendation numbers (Aanbevelingen).
KEEP_THE_CONVERSATION_GOING = 1
SAY_WHERE_TENSION_IS = 2
EMOTION_AND_AGREEMENTS = 3
PRACTISE = 5  # "Faciliteer, oefen en gebruik voorbeelden": the fallback

SUGGESTION = _("%(signal)s → %(recommendation)s; %(interventions)s")
SUGGESTION_WITHOUT_INTERVENTIONS = _("%(signal)s → %(recommendation)s")
RECOMMENDATION = _("Recommendation %(n)s")
INTERVENTIONS = ngettext_lazy("intervention %(list)s", "interventions %(list)s", "n")
WHY_TO_HOW = _("%(signal)s; start from how you talk with each other")
HOW_TO_WHY = _("%(signal)s; connect it to %(theme)s")


@dataclass(frozen=True)
class Suggestion:
    """What the leader could do about a signal.

    ``key`` is stable for the same signal ("tension-3", "tension-climate", "warning",
    "warning-agreements", "blind-2", "weakest-4", "route-3"), so the leader's choice can be
    stored against it. ``route`` is "why_to_how" when the suggestion starts from a topic
    (themes 2-4) and "how_to_why" when it starts from the central theme or the dialogue
    climate. ``reason`` is formatted in the language active when it was made.
    """

    key: str
    signal: Signal
    recommendation: Recommendation
    interventions: tuple[Intervention, ...]
    route: Route
    reason: str


@dataclass(frozen=True)
class _Catalogue:
    """The article's catalogue, read in two queries (see ``_load_catalogue``)."""

    recommendations: dict[int, Recommendation]
    by_code: dict[tuple[int, int], Intervention]
    by_pk: dict[int, Intervention]
    serves: dict[int, tuple[int, ...]]  # intervention pk -> recommendation numbers
    themes: dict[int, Theme]

    def pick(self, *codes: tuple[int, int]) -> list[Intervention]:
        """Interventions by (theme number, number); one that was removed is left out."""
        return [self.by_code[c] for c in codes if c in self.by_code]

    def is_topic(self, theme: int | None) -> bool:
        found = self.themes.get(theme) if theme is not None else None
        return found is not None and not found.is_central()

    def theme_name(self, theme: int) -> str:
        found = self.themes.get(theme)
        return found.name if found is not None else str(theme)


def _load_catalogue() -> _Catalogue:
    """Two queries, whatever the number of signals: the recommendations, and the catalogue's
    interventions with their theme and the numbers of the recommendations they serve (one row
    per intervention and recommendation through a LEFT JOIN, instead of a prefetch query)."""
    recommendations = {r.number: r for r in Recommendation.objects.all()}
    rows = (
        Intervention.objects.catalogue()
        .select_related("theme")
        .annotate(recommendation_number=F("recommendations__number"))
    )
    by_pk: dict[int, Intervention] = {}
    serves: dict[int, list[int]] = {}
    for row in rows:
        intervention = by_pk.setdefault(row.pk, row)
        numbers = serves.setdefault(intervention.pk, [])
        # getattr: the custom QuerySet's iteration loses the annotation's type for mypy.
        number: int | None = getattr(row, "recommendation_number", None)
        if number is not None:
            numbers.append(number)
    return _Catalogue(
        recommendations=recommendations,
        by_code={(i.theme.number, i.number): i for i in by_pk.values()},
        by_pk=by_pk,
        serves={pk: tuple(sorted(numbers)) for pk, numbers in serves.items()},
        themes={i.theme.number: i.theme for i in by_pk.values()},
    )


def _unique(interventions: Iterable[Intervention]) -> tuple[Intervention, ...]:
    return tuple({i.pk: i for i in interventions}.values())


@dataclass(frozen=True)
class _Draft:
    key: str
    recommendation: int
    interventions: tuple[Intervention, ...]
    route: Route
    lead: str  # what the reason says before the arrow


def suggest(
    signals: Sequence[Signal],
    *,
    items_interventions: Mapping[int, Sequence[int]],
    school: School | None,
    stats: Sequence[ItemStats] = (),
) -> list[Suggestion]:
    """Suggestions for the signals, in the signals' order, each followed by its route partner.

    ``items_interventions`` maps item ids to the ids of the Tabel 1 interventions the
    statement was written from (``Item.interventions``; ``interventions_by_item`` reads them),
    taken in the catalogue's order. ``school`` is the school the results are for; only the
    catalogue is suggested, never its own interventions (they carry no link to statements or
    recommendations), so ids outside the catalogue are ignored. ``stats`` (optional, the
    round's ``ItemStats``) lets the how-to-why route find the weakest topic even when no signal
    names one. Two queries when there is any signal, none otherwise.

    Rules:

    - tension in a group → Aanbeveling 2 with 3.2 and 4.2, plus the interventions of the split
      statements;
    - warning sign → Aanbeveling 1 with 1.1, and Aanbeveling 3 with 4.4 and 3.5;
    - blind spot → Aanbeveling 2 with 4.5 and 1.5;
    - weakest theme → the interventions of its lowest statements, with the recommendation they
      serve most (Aanbeveling 5 when they serve none);
    - a split or weakest topic (2-4) is also offered Aanbeveling 1 with 1.1 and 1.2
      ("route-T", why_to_how); a split or weakest central theme (1) is also connected to the
      weakest topic's interventions ("route-1", how_to_why).
    """
    if not signals:
        return []
    catalogue = _load_catalogue()
    # The catalogue is read in its own order (theme, number); a statement's interventions
    # are listed in that order too, whatever order their ids came in.
    position = {pk: n for n, pk in enumerate(catalogue.by_pk)}
    linked: dict[int, list[Intervention]] = {
        item_id: [
            catalogue.by_pk[pk]
            for pk in sorted((p for p in ids if p in position), key=position.__getitem__)
        ]
        for item_id, ids in items_interventions.items()
    }

    def from_items(item_ids: Sequence[int], theme: int) -> tuple[int, tuple[Intervention, ...]]:
        """The interventions of these statements and the recommendation they serve most;
        without any, Aanbeveling 5 with the theme's interventions that serve it."""
        found = _unique(i for item_id in item_ids for i in linked.get(item_id, ()))
        if not found:
            practise = [
                i
                for i in catalogue.by_pk.values()
                if i.theme.number == theme and PRACTISE in catalogue.serves[i.pk]
            ]
            return PRACTISE, tuple(practise)
        votes = Counter(n for i in found for n in catalogue.serves[i.pk])
        if not votes:
            return PRACTISE, found
        best = min(votes, key=lambda n: (-votes[n], n))
        return best, found

    def route_of(theme: int | None) -> Route:
        return "why_to_how" if catalogue.is_topic(theme) else "how_to_why"

    weakest_topic = _weakest_topic(signals, stats, catalogue)
    drafts: list[tuple[Signal, _Draft]] = []
    for signal in signals:
        lead = signal.reason.rstrip(". ")
        group = "climate" if signal.theme is None else str(signal.theme)
        route = route_of(signal.theme)
        if signal.kind == "tension":
            interventions = _unique(
                [
                    *catalogue.pick(NOTICE_TENSION, MONITOR_TENSION),
                    *(i for item_id in signal.item_ids for i in linked.get(item_id, ())),
                ]
            )
            drafts.append(
                (
                    signal,
                    _Draft(f"tension-{group}", SAY_WHERE_TENSION_IS, interventions, route, lead),
                )
            )
        elif signal.kind == "warning_sign":
            drafts.append(
                (
                    signal,
                    _Draft(
                        "warning",
                        KEEP_THE_CONVERSATION_GOING,
                        tuple(catalogue.pick(KEEP_TALKING)),
                        route,
                        lead,
                    ),
                )
            )
            drafts.append(
                (
                    signal,
                    _Draft(
                        "warning-agreements",
                        EMOTION_AND_AGREEMENTS,
                        tuple(catalogue.pick(TALK_ABOUT_DIFFERENCES, WHAT_IS_OKAY)),
                        route,
                        lead,
                    ),
                )
            )
        elif signal.kind == "blind_spot":
            interventions = tuple(catalogue.pick(NAME_WHAT_YOU_SEE, SET_EXAMPLE))
            drafts.append(
                (
                    signal,
                    _Draft(f"blind-{group}", SAY_WHERE_TENSION_IS, interventions, route, lead),
                )
            )
        elif signal.kind == "weakest_theme" and signal.theme is not None:
            number, interventions = from_items(signal.item_ids, signal.theme)
            drafts.append((signal, _Draft(f"weakest-{group}", number, interventions, route, lead)))

        # The two routes: connect the why and the how.
        if signal.kind not in ("tension", "weakest_theme") or signal.theme is None:
            continue
        if catalogue.is_topic(signal.theme):
            drafts.append(
                (
                    signal,
                    _Draft(
                        f"route-{signal.theme}",
                        KEEP_THE_CONVERSATION_GOING,
                        tuple(catalogue.pick(KEEP_TALKING, SHAPE_AGENDA)),
                        "why_to_how",
                        str(WHY_TO_HOW) % {"signal": lead},
                    ),
                )
            )
        elif weakest_topic is not None:
            topic, item_ids = weakest_topic
            number, interventions = from_items(item_ids, topic)
            drafts.append(
                (
                    signal,
                    _Draft(
                        f"route-{signal.theme}",
                        number,
                        interventions,
                        "how_to_why",
                        str(HOW_TO_WHY) % {"signal": lead, "theme": catalogue.theme_name(topic)},
                    ),
                )
            )

    suggestions: list[Suggestion] = []
    seen: set[str] = set()
    for signal, draft in drafts:
        recommendation = catalogue.recommendations.get(draft.recommendation)
        if draft.key in seen or recommendation is None:
            continue
        seen.add(draft.key)
        suggestions.append(
            Suggestion(
                key=draft.key,
                signal=signal,
                recommendation=recommendation,
                interventions=draft.interventions,
                route=draft.route,
                reason=_reason(draft.lead, recommendation, draft.interventions),
            )
        )
    return suggestions


def _weakest_topic(
    signals: Sequence[Signal], stats: Sequence[ItemStats], catalogue: _Catalogue
) -> tuple[int, tuple[int, ...]] | None:
    """The topic the how-to-why route connects to, with its lowest statements: from the
    statistics when given (the lowest topic, however small its lead), otherwise the topic of a
    weakest-theme signal, otherwise of the first tension signal on a topic."""
    means = {t: m for t, m in theme_means(stats).items() if catalogue.is_topic(t)}
    if means:
        topic = min(means, key=lambda t: (means[t], t))
        return topic, lowest_items(stats, topic)
    for kind in ("weakest_theme", "tension"):
        for signal in signals:
            if (
                signal.kind == kind
                and signal.theme is not None
                and catalogue.is_topic(signal.theme)
            ):
                return signal.theme, signal.item_ids
    return None


def _reason(
    lead: str, recommendation: Recommendation, interventions: Sequence[Intervention]
) -> str:
    """ "<signal> → Recommendation N; interventions '…' and '…'", in the active language."""
    label = str(RECOMMENDATION) % {"n": recommendation.number}
    if not interventions:
        return str(SUGGESTION_WITHOUT_INTERVENTIONS) % {"signal": lead, "recommendation": label}
    texts = [f"'{i.text.strip().rstrip('.')}'" for i in interventions]
    listed = INTERVENTIONS % {"n": len(texts), "list": get_text_list(texts, gettext("and"))}
    return str(SUGGESTION) % {"signal": lead, "recommendation": label, "interventions": listed}


def interventions_by_item(round: Round) -> dict[int, list[int]]:
    """Per item id of the round's questionnaire: the ids of the interventions the statement
    was written from, for ``suggest``. One query."""
    items = Item.objects.filter(version_id=round.version_id).with_intervention_ids()
    return {item.pk: intervention_ids(item) for item in items}
