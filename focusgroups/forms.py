"""Forms of the focus group: preparing a session, check-ins, reactions, agreements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from focusgroups.models import Agreement, Emotion, FocusPhase, FocusSession
from interventions.models import Theme
from schools.models import User
from surveys.models import Round
from surveys.report import RoundReport


@dataclass(frozen=True)
class AgendaItem:
    """Something the team may discuss: a suggestion from the results (with its signal) or a
    theme on its own. ``theme`` is ``None`` for the dialogue climate."""

    key: str
    label: str
    reason: str
    theme: Theme | None
    suggested: bool


def agenda_items(report: RoundReport) -> list[AgendaItem]:
    items: list[AgendaItem] = []
    themes = {row.theme.number: row.theme for row in report.themes if row.theme is not None}
    for row in report.suggestions:
        s = row.suggestion
        theme = themes.get(s.signal.theme) if s.signal.theme else None
        items.append(
            AgendaItem(
                key=s.key,
                label=f"{theme.name if theme else _('How we talk with each other')}"
                f" — {s.recommendation}",
                reason=s.signal.reason,
                theme=theme,
                suggested=True,
            )
        )
    for theme_row in report.themes:
        if theme_row.theme is not None:
            items.append(
                AgendaItem(
                    key=f"theme-{theme_row.theme.number}",
                    label=str(theme_row.theme.name),
                    reason="",
                    theme=theme_row.theme,
                    suggested=False,
                )
            )
    return items


class PrepareForm(forms.Form):
    """Title, time boxes and the agenda: a position number per item (empty: not discussed).
    The suggestions from the results are numbered by default."""

    title = forms.CharField(label=_("Title"), max_length=200)
    checkin_minutes = forms.IntegerField(
        label=_("Minutes for the check-in"), min_value=0, max_value=60, initial=5
    )
    theme_minutes = forms.IntegerField(
        label=_("Minutes per topic"), min_value=1, max_value=120, initial=15
    )
    agreements_minutes = forms.IntegerField(
        label=_("Minutes for agreements and goals"), min_value=1, max_value=120, initial=20
    )

    def __init__(self, *args: Any, round: Round, report: RoundReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        self.items = agenda_items(report)
        position = 0
        for index, item in enumerate(self.items):
            if item.suggested:
                position += 1
            self.fields[f"pos_{index}"] = forms.IntegerField(
                label=item.label,
                help_text=item.reason,
                required=False,
                min_value=1,
                max_value=99,
                initial=position if item.suggested else None,
            )
        self.fields["title"].initial = _("Focus group %(round)s") % {"round": round}

    def agenda_fields(self) -> list[tuple[forms.BoundField, AgendaItem]]:
        return [(self[f"pos_{i}"], item) for i, item in enumerate(self.items)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = [
            (cleaned[f"pos_{i}"], i)
            for i in range(len(self.items))
            if cleaned.get(f"pos_{i}") is not None
        ]
        if not chosen:
            raise ValidationError(_("Give at least one topic a number to put it on the agenda."))
        self.chosen = [self.items[i] for _pos, i in sorted(chosen)]
        return cleaned

    @transaction.atomic
    def save(self, user: User) -> FocusSession:
        data = self.cleaned_data
        session = FocusSession.objects.create(
            round=self.round, created_by=user, title=data["title"]
        )
        phases: list[FocusPhase] = []
        if data["checkin_minutes"]:
            phases.append(FocusPhase(kind="checkin", minutes=data["checkin_minutes"]))
        for item in self.chosen:
            phases.append(
                FocusPhase(
                    kind="theme",
                    theme=item.theme,
                    signal_key="" if not item.suggested else item.key,
                    minutes=data["theme_minutes"],
                )
            )
        phases.append(FocusPhase(kind="agreements", minutes=data["agreements_minutes"]))
        for order, phase in enumerate(phases):
            phase.session = session
            phase.order = order
        FocusPhase.objects.bulk_create(phases)
        return session


class CheckInForm(forms.Form):
    emotion = forms.ChoiceField(label=_("How do you feel right now?"), choices=Emotion.choices)


class ReactionForm(forms.Form):
    text = forms.CharField(
        label=_("Do you recognise this?"), max_length=280, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgreementForm(forms.ModelForm[Agreement]):
    class Meta:
        model = Agreement
        fields = ["kind", "text", "owner", "review_on"]
        widgets = {"review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_review_on(self) -> date | None:
        """An agreement is looked at again later: a review date that has passed would make
        its reminder due at once."""
        review_on: date | None = self.cleaned_data.get("review_on")
        if review_on is not None and review_on < timezone.localdate():
            raise ValidationError(_("Choose a review date from today on."))
        return review_on
