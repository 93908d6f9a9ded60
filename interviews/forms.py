"""Forms of the interviews (stage two of the cycle): planning one, and a coded note."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from interventions.models import Theme
from interviews.models import Interview, InterviewNote
from schools.models import User
from surveys.forms import DateTimeInput
from surveys.models import Round


class InterviewPlanForm(forms.Form):
    """One interview per teacher and round. The list offers the round's invited teachers who
    have no interview yet; anything else posted is refused with a message saying why."""

    # A number from a select, not a ChoiceField: a teacher who is not (or no longer) on the
    # list gets a message that says why, not "select a valid choice".
    teacher = forms.IntegerField(
        label=_("Teacher"),
        widget=forms.Select(),
        error_messages={
            "required": _("Choose the teacher you will talk with."),
            "invalid": _("Choose a teacher from the list."),
        },
    )
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=DateTimeInput(),
        help_text=_(
            "Leave empty if you have not agreed a moment yet. A date in the past is fine "
            "when you record an interview afterwards."
        ),
    )
    brings_own_answers = forms.BooleanField(
        label=_("The teacher brings their own copy of their answers"),
        required=False,
        help_text=_(
            "Only if the teacher wants to: their answers are anonymous and stay their own. "
            "The guide then gets a question about them."
        ),
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        # The round's audience as invited; whether anyone answered is never read here.
        self.invited = list(
            User.objects.filter(invitations__round=round).order_by("full_name", "email")
        )
        taken = set(Interview.objects.filter(round=round).values_list("teacher_id", flat=True))
        free = [user for user in self.invited if user.pk not in taken]
        self.available = free
        widget = self.fields["teacher"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("Choose a teacher")), *[(u.pk, str(u)) for u in free]]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Plan the interview")))

    def clean_teacher(self) -> User:
        pk = self.cleaned_data["teacher"]
        teacher = next((u for u in self.invited if u.pk == pk), None)
        if teacher is None:
            raise ValidationError(
                _("This person was not invited to this round; choose a teacher from the list."),
                code="not_in_round",
            )
        if Interview.objects.filter(round=self.round, teacher=teacher).exists():
            raise ValidationError(
                _("%(name)s already has an interview in this round."),
                code="duplicate",
                params={"name": teacher},
            )
        return teacher


class ThemeCheckboxes(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class InterviewNoteForm(forms.ModelForm[InterviewNote]):
    themes = ThemeCheckboxes(
        label=_("Themes"),
        queryset=Theme.objects.order_by("number"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Code each note to at least one theme.")},
        help_text=_("Which of the four themes is this note about? At least one."),
    )

    class Meta:
        model = InterviewNote
        fields = ["text", "themes", "tension", "wants_help", "may_quote"]
        labels = {
            "text": _("Note"),
            "tension": _("Tension: the teacher names friction or tension in the team"),
            "wants_help": _(
                "The teacher wants help to raise something with a colleague (Recommendation 4)"
            ),
            "may_quote": _("The teacher agrees that this may be quoted anonymously"),
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = _("Write the note first.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Add note")))

    def save_for(self, interview: Interview) -> InterviewNote:
        self.instance.interview = interview
        return self.save()
