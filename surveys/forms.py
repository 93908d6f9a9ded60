from __future__ import annotations

from copy import copy
from datetime import datetime, timedelta
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schools.models import School, Team
from surveys.anonymity import (
    is_releasable,
    open_threshold_allowed,
    round_gate,
    subtraction_risk_for,
)
from surveys.models import QuestionnaireTemplate, Round


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoundForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("For"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The whole school"),
    )
    template = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=QuestionnaireTemplate.objects.filter(is_active=True)
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeInput())
    threshold = forms.IntegerField(
        label=_("Anonymity threshold"),
        min_value=3,
        max_value=50,
        initial=settings.ANONYMITY_THRESHOLD_DEFAULT,
        help_text=_(
            "Results are only shown when at least this many colleagues answered (at least 3)."
        ),
    )
    open_threshold = forms.IntegerField(
        label=_("Threshold for open answers"),
        min_value=3,
        max_value=50,
        initial=settings.ANONYMITY_THRESHOLD_DEFAULT,
        help_text=_("Open answers need at least as many respondents as the scores."),
    )
    confirm_small = forms.BooleanField(
        label=_("Open the round anyway"), required=False, widget=forms.HiddenInput()
    )

    def __init__(self, *args: Any, school: School, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.now = now
        self.fields["team"].queryset = Team.objects.filter(school=school)  # type: ignore[attr-defined]
        start = timezone.localtime(now).replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = start
        self.fields["closes_at"].initial = (start + timedelta(days=14)).replace(hour=17, minute=0)
        template = self.fields["template"]
        if template.queryset.count() == 1:  # type: ignore[attr-defined]
            template.initial = template.queryset.first()  # type: ignore[attr-defined]
        self.audience_size: int | None = None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Open the round")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at:
            if closes_at <= opens_at:
                self.add_error("closes_at", _("The round must close after it opens."))
            elif closes_at <= self.now:
                self.add_error("closes_at", _("This moment has already passed."))
        threshold, open_threshold = data.get("threshold"), data.get("open_threshold")
        if threshold and open_threshold and not open_threshold_allowed(threshold, open_threshold):
            self.add_error(
                "open_threshold",
                _("Open answers need at least as many respondents as the scores (%(n)s).")
                % {"n": threshold},
            )
        if not self.errors and threshold:
            probe = Round(
                school=self.school,
                team=data.get("team"),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                threshold=threshold,
            )
            members = list(probe.audience_members().values_list("pk", flat=True))
            self.audience_size = len(members)
            # Refused outright, not confirmed away: it is about other people's answers.
            if risk := subtraction_risk_for(probe, members):
                raise ValidationError(risk.message, code="subtractable")
            # Fewer than the threshold can never see results.
            if not is_releasable(self.audience_size, threshold) and not data.get("confirm_small"):
                # Shown as a warning with a confirm button; the form keeps every value.
                self.fields["confirm_small"].widget = forms.CheckboxInput()
                raise ValidationError(
                    ngettext(
                        "This round reaches %(size)s teacher, fewer than the threshold of "
                        "%(threshold)s: its results can never be shown.",
                        "This round reaches %(size)s teachers, fewer than the threshold of "
                        "%(threshold)s: its results can never be shown.",
                        self.audience_size,
                    )
                    % {"size": self.audience_size, "threshold": threshold},
                    code="too_small",
                )
        return data


class CloseForm(forms.Form):
    """Closing a round early is final for its results: the leader confirms it knowingly."""

    confirm = forms.BooleanField(
        label=_("Yes, close the round now"),
        error_messages={"required": _("Tick the box to confirm that the round closes now.")},
    )


class ExtendForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("New closing moment"), widget=DateTimeInput())

    def __init__(self, *args: Any, round: Round, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        self.now = now
        self.fields["closes_at"].initial = timezone.localtime(round.closes_at)

    def clean_closes_at(self) -> datetime:
        closes_at: datetime = self.cleaned_data["closes_at"]
        if closes_at <= self.now:
            raise ValidationError(_("Choose a moment in the future."))
        if closes_at <= self.round.opens_at:
            raise ValidationError(_("The round must close after it opens."))
        if self.round.is_closed(self.now) and (
            self.round.is_purged
            or self.round.box_opened_at is not None
            or round_gate(self.round, self.now).released
        ):
            # Two released versions of the same round differ by exactly the late answers.
            raise ValidationError(
                _(
                    "The results of this round have been shown, so it cannot be opened again: "
                    "comparing the two would show what the late answers were. Start a new "
                    "round instead."
                )
            )
        if closes_at > self.round.closes_at:
            # A later closing moment may run into another round; an earlier one only runs
            # into fewer.
            longer = copy(self.round)
            longer.closes_at = closes_at
            invited = self.round.invitations.values_list("user_id", flat=True)
            if risk := subtraction_risk_for(longer, list(invited)):
                raise ValidationError(risk.message, code="subtractable")
        return closes_at
