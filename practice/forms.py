from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from interventions.models import Intervention, Recommendation
from schools.http import whole_number
from schools.models import Membership, School, User

from .models import SCALE, Conversation, Format, FormatStep, Reflection

MAX_STEP_MINUTES = 240
# A format is practised in one meeting, which lasts at most a day (the calendar's limit too);
# it also keeps the total within the column that stores it.
MAX_FORMAT_MINUTES = 24 * 60


class ApplyForm(forms.Form):
    """Choose a format for an activity of the calendar."""

    format = forms.ModelChoiceField(
        label=_("Conversation format"), queryset=Format.objects.none(), empty_label=None
    )
    threshold = forms.IntegerField(
        label=_("Show the reflection from this many answers"),
        min_value=3,
        max_value=50,
        initial=settings.ANONYMITY_THRESHOLD_DEFAULT,
        help_text=_("At least 3, so that nobody can be recognised by their answer."),
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].queryset = Format.objects.visible_to(school)  # type: ignore[attr-defined]


@dataclass
class ParsedStep:
    minutes: int
    title: str
    instruction: str
    prompt: str


def parse_steps(text: str) -> tuple[list[ParsedStep], list[str]]:
    """One step per line: ``minutes | title | instruction | question for phones``; the
    instruction and the question may be left out. All problems are collected at once."""
    steps: list[ParsedStep] = []
    errors: list[str] = []
    for line_number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [part.strip() for part in raw.split("|")]
        if len(parts) < 2 or len(parts) > 4:
            errors.append(
                gettext("Line %(n)s: write the minutes and a title, separated by |.")
                % {"n": line_number}
            )
            continue
        parts += [""] * (4 - len(parts))
        minutes_text, title, instruction, prompt = parts
        minutes = whole_number(minutes_text, low=1, high=MAX_STEP_MINUTES)
        if minutes is None:
            errors.append(
                gettext("Line %(n)s: the minutes must be a whole number from 1 to %(max)s.")
                % {"n": line_number, "max": MAX_STEP_MINUTES}
            )
            continue
        if not title:
            errors.append(gettext("Line %(n)s: the title is empty.") % {"n": line_number})
            continue
        steps.append(ParsedStep(minutes, title[:120], instruction or title, prompt[:200]))
    if not steps and not errors:
        errors.append(gettext("Write at least one step."))
    total = sum(step.minutes for step in steps)
    if not errors and total > MAX_FORMAT_MINUTES:
        errors.append(
            gettext("The steps take %(total)s minutes together; a format takes at most %(max)s.")
            % {"total": total, "max": MAX_FORMAT_MINUTES}
        )
    return steps, errors


class OwnFormatForm(forms.ModelForm[Format]):
    """A school's own format, written in one language (stored as the Dutch text; the English
    page falls back to it)."""

    steps = forms.CharField(
        label=_("Steps"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One step per line: minutes | title | instruction | question for the phones "
            "(the last two may be left out). For example: 10 | Round | Everyone says one "
            "thing that went well."
        ),
    )

    class Meta:
        model = Format
        fields = [
            "title_nl",
            "purpose_nl",
            "kind",
            "group_min",
            "group_max",
            "roles_nl",
            "phrases_nl",
            "pitfalls_nl",
            "interventions",
            "recommendations",
        ]
        labels = {
            "title_nl": _("Title"),
            "purpose_nl": _("Purpose"),
            "roles_nl": _("Roles"),
            "phrases_nl": _("Example phrases"),
            "pitfalls_nl": _("Pitfalls"),
        }
        widgets = {
            "purpose_nl": forms.Textarea(attrs={"rows": 2}),
            "roles_nl": forms.Textarea(attrs={"rows": 3}),
            "phrases_nl": forms.Textarea(attrs={"rows": 3}),
            "pitfalls_nl": forms.Textarea(attrs={"rows": 3}),
            "interventions": forms.CheckboxSelectMultiple,
            "recommendations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, school: School, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.user = user
        self.parsed: list[ParsedStep] = []
        self.fields["interventions"].queryset = (  # type: ignore[attr-defined]
            Intervention.objects.visible_to(school).select_related("theme")
        )
        self.fields["recommendations"].queryset = Recommendation.objects.all()  # type: ignore[attr-defined]
        self.fields["roles_nl"].help_text = _("One role per line.")
        if self.instance.pk and not self.is_bound:
            self.initial["steps"] = "\n".join(
                " | ".join(p for p in (str(s.minutes), s.title_nl, s.instruction_nl, s.prompt_nl))
                for s in self.instance.steps.all()
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save the format")))

    def clean_title_nl(self) -> str:
        title = " ".join(self.cleaned_data["title_nl"].split())
        if not slugify(title):
            raise ValidationError(_("Write a title with letters or digits."))
        return title

    def clean_steps(self) -> str:
        text: str = self.cleaned_data["steps"]
        self.parsed, errors = parse_steps(text)
        if errors:
            raise ValidationError(errors)
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("group_min"), cleaned.get("group_max")
        if low is not None and high is not None and high < low:
            self.add_error("group_max", _("The largest group cannot be smaller than the smallest."))
        return cleaned

    @transaction.atomic
    def save(self, commit: bool = True) -> Format:
        """Always commits: the steps need the row."""
        fmt = self.instance
        fmt.school = self.school
        if fmt.created_by_id is None:
            fmt.created_by = self.user
        fmt.minutes = sum(step.minutes for step in self.parsed)
        if not fmt.slug:
            base = slugify(fmt.title_nl)[:50]
            slug, n = base, 1
            while Format.objects.filter(school=self.school, slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            fmt.slug = slug
        fmt = super().save(commit=True)  # the row and its interventions/recommendations
        fmt.steps.all().delete()
        FormatStep.objects.bulk_create(
            FormatStep(
                format=fmt,
                order=number,
                minutes=step.minutes,
                title_nl=step.title,
                instruction_nl=step.instruction,
                prompt_nl=step.prompt,
            )
            for number, step in enumerate(self.parsed, start=1)
        )
        return fmt


class InputForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), max_length=280)


class ReflectionForm(forms.ModelForm[Reflection]):
    helped = forms.TypedChoiceField(
        label=_("Did this help us talk with each other?"),
        choices=[(n, str(n)) for n in SCALE],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a number from 1 to 5.")},
    )

    class Meta:
        model = Reflection
        fields = ["helped", "keep"]
        widgets = {"keep": forms.Textarea(attrs={"rows": 2, "maxlength": 280})}


class ConversationForm(forms.ModelForm[Conversation]):
    class Meta:
        model = Conversation
        fields = [
            "title",
            "with_whom",
            "seen",
            "share_seen",
            "feel",
            "share_feel",
            "want",
            "share_want",
            "ask",
            "share_ask",
            "chair",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in Conversation.FIELDS}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__school=school, memberships__role=Membership.Role.LEADER
        ).distinct()
        self.fields["chair"].empty_label = _("(nobody: I prepare on my own)")  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any((cleaned.get(name) or "").strip() for name in Conversation.FIELDS):
            raise ValidationError(_("Answer at least one of the four questions."))
        shared = [name for name in Conversation.FIELDS if cleaned.get(f"share_{name}")]
        if shared and not cleaned.get("chair"):
            self.add_error(
                "chair", _("You chose answers the chair may read; choose the chair as well.")
            )
        for name in shared:
            if not (cleaned.get(name) or "").strip():
                self.add_error(name, _("This answer is empty, so there is nothing to share."))
        return cleaned
