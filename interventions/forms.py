from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from schools.models import School

from .models import Intervention, Recommendation, Theme


class OwnInterventionForm(forms.ModelForm[Intervention]):
    """An intervention a school adds to the catalogue for itself."""

    class Meta:
        model = Intervention
        fields = ["theme", "text_nl", "text_en", "recommendations"]
        widgets = {
            "text_nl": forms.Textarea(attrs={"rows": 3}),
            "text_en": forms.Textarea(attrs={"rows": 3}),
            "recommendations": forms.CheckboxSelectMultiple,
        }
        labels = {
            "text_nl": _("De schoolleider … (Dutch)"),
            "text_en": _("The school leader … (English, optional)"),
        }

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["theme"].queryset = Theme.objects.all()  # type: ignore[attr-defined]
        self.fields["recommendations"].queryset = Recommendation.objects.all()  # type: ignore[attr-defined]
        self.fields["recommendations"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_text_nl(self) -> str:
        text = " ".join(self.cleaned_data["text_nl"].split())
        if len(text) < 5:
            raise ValidationError(_("Describe what the school leader does in a few words."))
        return text

    def clean_text_en(self) -> str:
        return " ".join(self.cleaned_data.get("text_en", "").split())

    def save(self, commit: bool = True) -> Intervention:
        intervention = self.instance
        if intervention.school_id is None:
            intervention.school = self.school
        if not intervention.number or "theme" in self.changed_data:
            highest = Intervention.objects.filter(
                school=self.school, theme=self.cleaned_data["theme"]
            ).aggregate(n=Max("number"))["n"]
            intervention.number = (highest or 0) + 1
        return super().save(commit)
