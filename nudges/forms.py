from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import THRESHOLDS, NudgeSettings, Reflection, Rule

# The rules a person may receive, by role: teachers get two, leaders the rest.
TEACHER_RULES = [Rule.RESPONDENTS, Rule.R5_TOPICS]
LEADER_RULES = [r for r in Rule if r not in TEACHER_RULES]

LIMITS = {
    "quiet_weeks": (1, 26),
    "discuss_within_weeks": (1, 12),
    "follow_up_weeks": (1, 12),
    "agenda_days": (1, 60),
    "reflect_every_days": (7, 180),
    "max_respondent_reminders": (0, 2),
}


class SettingsForm(forms.ModelForm[NudgeSettings]):
    class Meta:
        model = NudgeSettings
        fields = THRESHOLDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in LIMITS.items():
            field = self.fields[name]
            field.widget.attrs.update({"min": low, "max": high})
            field.error_messages["required"] = _("Fill in a number.")
            field.error_messages["invalid"] = _("Fill in a whole number.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, (low, high) in LIMITS.items():
            value = cleaned.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(
                    name,
                    ValidationError(
                        _("Choose a number from %(low)s to %(high)s."),
                        params={"low": low, "high": high},
                    ),
                )
        return cleaned


class SnoozeForm(forms.Form):
    days = forms.IntegerField(
        label=_("Snooze for how many days"),
        min_value=1,
        max_value=60,
        initial=7,
        error_messages={
            "required": _("Fill in a number of days."),
            "invalid": _("Fill in a whole number of days."),
            "min_value": _("Snooze for at least 1 day."),
            "max_value": _("Snooze for at most 60 days."),
        },
    )


class ReflectionForm(forms.ModelForm[Reflection]):
    class Meta:
        model = Reflection
        fields = ["text"]
        labels = {"text": _("What did you choose lately, and why?")}
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"text": {"required": _("Write a few words first.")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Add to my log")))

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError(_("Write a few words first."))
        if len(text) > 5000:
            raise ValidationError(_("Keep it to at most 5,000 characters."))
        return str(text)


class PreferencesForm(forms.Form):
    weekly_digest = forms.TypedChoiceField(
        label=_("How do you want to receive reminders by e-mail?"),
        choices=[("0", _("One e-mail per reminder")), ("1", _("One weekly digest"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the two.")},
    )
    rules = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("That is not one of the reminders.")},
    )

    def __init__(self, *args: Any, leads: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rules = LEADER_RULES if leads else TEACHER_RULES
        self.fields["rules"].choices = [(r.value, r.label) for r in rules]  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))
