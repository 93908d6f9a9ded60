from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, cast

from allauth.account.models import EmailAddress
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from schools.models import (
    RETENTION_MONTHS_MAX,
    RETENTION_MONTHS_MIN,
    Departure,
    Membership,
    School,
    Team,
    User,
)

MAX_CSV_BYTES = 1_000_000
NAME_HEADERS = {"naam", "name", "volledige naam", "full name"}
EMAIL_HEADERS = {"e-mail", "email", "e-mailadres", "emailadres", "e-mail address", "mail"}
TEAM_HEADERS = {"team", "bouw", "groep"}


# Someone who reads a school's results never answers its rounds (School.leading_people).
LEADS_THIS_SCHOOL = _(
    "This address belongs to someone who leads this school (school leader, facilitator or "
    "board), so it cannot be a teacher here: whoever reads the results does not answer the "
    "questionnaire. A leader fills in their own view of each round instead."
)


# A leaver comes back by one click on the list (Departure.come_back), never by being added or
# imported again: a stale list from the school's administration must not undo a departure.
LEFT_THIS_SCHOOL = _(
    "This person has left this school. If they are back, put them back from the list of "
    "people who left."
)


def submitted(request: HttpRequest) -> dict[str, Any]:
    """Form arguments for a request: bound on POST (even an empty one), unbound on GET."""
    if request.method == "POST":
        return {"data": request.POST, "files": request.FILES}
    return {}


class TeamForm(forms.ModelForm[Team]):
    class Meta:
        model = Team
        fields = ["name"]
        labels = {"name": _("Team name")}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Add team")))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Team.objects.filter(school=self.school, name__iexact=name).exists():
            raise ValidationError(_("This school already has a team with that name."))
        return name

    def save(self, commit: bool = True) -> Team:
        self.instance.school = self.school
        return super().save(commit)


def tidy_name(value: str) -> str:
    """A person's name with its spaces tidied; refused when nothing is left."""
    name = " ".join(value.split())
    if not name:
        raise ValidationError(_("Fill in a name."))
    return name


def fields_only(submit: StrOrPromise) -> FormHelper:
    """crispy's layout for a form whose ``<form>`` tag is in the template."""
    helper = FormHelper()
    helper.form_tag = False
    helper.add_input(Submit("submit", submit))
    return helper


class TeacherForm(forms.Form):
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("(no team)")
    )
    language = forms.ChoiceField(
        label=_("Language of e-mails"), choices=User.Language.choices, initial="nl"
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        teams = Team.objects.filter(school=school)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if teams.count() == 1:
            self.fields["team"].initial = teams.first()
        self.helper = fields_only(_("Add teacher"))

    def clean_full_name(self) -> str:
        return tidy_name(self.cleaned_data["full_name"])

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(
            school=self.school, user__email=email, role=Membership.Role.TEACHER
        ).exists():
            raise ValidationError(_("This person is already a teacher at this school."))
        if self.school.leading_people().filter(email=email).exists():
            raise ValidationError(LEADS_THIS_SCHOOL)
        if Departure.objects.filter(school=self.school, user__email=email).exists():
            raise ValidationError(LEFT_THIS_SCHOOL)
        return email

    def save(self) -> Membership:
        data = self.cleaned_data
        return add_teacher(
            school=self.school,
            full_name=data["full_name"],
            email=data["email"],
            team=data["team"],
            language=data["language"],
        )


def add_teacher(
    *, school: School, full_name: str, email: str, team: Team | None, language: str = "nl"
) -> Membership:
    """Create (or reuse) the person and give them the teacher role at ``school``.
    Someone who already has an account keeps their own name and language."""
    user, _created = User.objects.get_or_create(
        email=email.lower(), defaults={"full_name": full_name, "language": language}
    )
    if _created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, _new = Membership.objects.get_or_create(
        user=user, school=school, role=Membership.Role.TEACHER, defaults={"team": team}
    )
    return membership


@dataclass
class CsvRow:
    line: int
    full_name: str
    email: str
    team_name: str


@dataclass
class CsvImport:
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    already_there: list[CsvRow] = field(default_factory=list)
    # Lines with the address of someone who leads the school: left out, never a teacher.
    leading: list[CsvRow] = field(default_factory=list)
    # Lines with someone who left the school: left out (LEFT_THIS_SCHOOL).
    left: list[CsvRow] = field(default_factory=list)


class TeacherCsvForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One teacher per line with the columns name, e-mail and team, separated by "
            "commas or semicolons. The first line holds the column names."
        ),
    )
    create_teams = forms.BooleanField(label=_("Create teams that do not exist yet"), required=False)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.result = CsvImport()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Import")))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise ValidationError(_("The file is larger than 1 MB; is it really a CSV list?"))
        raw = upload.read()
        text = None
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None or "\x00" in text:
            raise ValidationError(
                _("This is not a CSV text file. Save the list as CSV (UTF-8) and try again.")
            )
        self._text = text
        if not self._text.strip():
            raise ValidationError(_("The file is empty."))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        self.result = parse_teacher_csv(
            self._text, school=self.school, create_teams=cleaned.get("create_teams", False)
        )
        if self.result.errors:
            # The lines themselves are listed above the form (see people_import.html).
            self.add_error("file", gettext("Correct the lines above and choose the file again."))
        return cleaned

    @transaction.atomic
    def save(self) -> list[Membership]:
        teams = {t.name.lower(): t for t in Team.objects.filter(school=self.school)}
        for name in self.result.new_teams:
            teams[name.lower()] = Team.objects.create(school=self.school, name=name)
        return [
            add_teacher(
                school=self.school,
                full_name=row.full_name,
                email=row.email,
                team=teams.get(row.team_name.lower()) if row.team_name else None,
            )
            for row in self.result.rows
        ]


def _column(header: list[str], names: set[str]) -> int | None:
    for index, value in enumerate(header):
        if value.strip().lower() in names:
            return index
    return None


def parse_teacher_csv(text: str, *, school: School, create_teams: bool) -> CsvImport:
    """Check every line and collect all problems, so the leader can fix the file in one go."""
    result = CsvImport()
    try:
        dialect: Any = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.errors.append(gettext("Line 1: the column names are missing."))
        return result
    name_col = _column(header, NAME_HEADERS)
    email_col = _column(header, EMAIL_HEADERS)
    team_col = _column(header, TEAM_HEADERS)
    if name_col is None or email_col is None:
        result.errors.append(
            gettext("Line 1: the columns 'name' and 'e-mail' are required (found: %(found)s).")
            % {"found": ", ".join(h.strip() for h in header if h.strip()) or "—"}
        )
        return result

    teams = {t.name.lower(): t.name for t in Team.objects.filter(school=school)}
    existing = set(
        Membership.objects.filter(school=school, role=Membership.Role.TEACHER).values_list(
            "user__email", flat=True
        )
    )
    leading = set(school.leading_people().values_list("email", flat=True))
    left = set(Departure.objects.filter(school=school).values_list("user__email", flat=True))
    seen: dict[str, int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue

        def cell(col: int | None, values: list[str] = values) -> str:
            return values[col].strip() if col is not None and col < len(values) else ""

        full_name = " ".join(cell(name_col).split())
        email = cell(email_col).lower()
        team_name = cell(team_col)
        problems: list[str] = []
        if not full_name:
            problems.append(gettext("the name is empty"))
        if not email:
            problems.append(gettext("the e-mail address is empty"))
        else:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    gettext("'%(email)s' is not a valid e-mail address") % {"email": email}
                )
            else:
                if email in seen:
                    problems.append(
                        gettext("%(email)s already appears on line %(line)s")
                        % {"email": email, "line": seen[email]}
                    )
                else:
                    seen[email] = line
        if team_name and team_name.lower() not in teams:
            if create_teams:
                if team_name.lower() not in {t.lower() for t in result.new_teams}:
                    result.new_teams.append(team_name)
            else:
                problems.append(
                    gettext("team '%(team)s' does not exist (teams: %(teams)s)")
                    % {"team": team_name, "teams": ", ".join(sorted(teams.values())) or "—"}
                )
        if problems:
            result.errors.append(
                gettext("Line %(line)s: %(problems)s.")
                % {"line": line, "problems": "; ".join(problems)}
            )
            continue
        row = CsvRow(line=line, full_name=full_name, email=email, team_name=team_name)
        if email in leading:
            result.leading.append(row)
        elif email in left:
            result.left.append(row)
        elif email in existing:
            result.already_there.append(row)
        else:
            result.rows.append(row)
    if not (result.errors or result.rows or result.already_there or result.leading or result.left):
        result.errors.append(gettext("The file holds no teachers below the column names."))
    return result


class PersonForm(forms.Form):
    """A leader corrects a teacher's name or e-mail address and moves them to another team.

    The name and address are the person's account, which may hold more than this school:
    the name only changes when the person works at this school alone, and the address (the
    login) only when, besides, they have never logged in (``User.details_belong_to``). The
    leader then corrects a typo before first use, and cannot redirect the login of someone
    whose account already holds their own reflections or pending invitations."""

    full_name = forms.CharField(
        label=_("Name"), max_length=150, error_messages={"required": _("Fill in a name.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        error_messages={
            "required": _("Fill in an e-mail address."),
            "invalid": _("Fill in a valid e-mail address, such as naam@school.nl."),
        },
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("(no team)"),
        error_messages={"invalid_choice": _("Choose one of this school's teams.")},
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        user, school = membership.user, cast(School, membership.school)
        kwargs.setdefault(
            "initial",
            {"full_name": user.full_name, "email": user.email, "team": membership.team_id},
        )
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["team"].queryset = Team.objects.filter(school=school)  # type: ignore[attr-defined]
        name_ok, email_ok = user.details_belong_to(school)
        # A disabled field keeps its initial value whatever is posted.
        if not name_ok:
            self.fields["full_name"].disabled = True
            self.fields["full_name"].help_text = _(
                "This person also works elsewhere in dialoog, so only they can change their "
                "name (in their profile)."
            )
        if not email_ok:
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _(
                "Only the helpdesk can change this address: the person has logged in already "
                "or also works elsewhere in dialoog, and the address is how they log in."
            )
        self.helper = fields_only(_("Save"))

    def clean_full_name(self) -> str:
        return tidy_name(self.cleaned_data["full_name"])

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        user = self.membership.user
        taken = (
            User.objects.filter(email=email).exclude(pk=user.pk).exists()
            or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
        )
        if email != user.email and taken:
            raise ValidationError(
                _(
                    "Someone else in dialoog already logs in with this address. If it is the "
                    "same person, add them with this address and mark this entry as left."
                )
            )
        return email

    @transaction.atomic
    def save(self) -> bool:
        """Save the changes; True when the address changed (the welcome e-mail goes again,
        to the right address)."""
        data, user, membership = self.cleaned_data, self.membership.user, self.membership
        email_changed = data["email"] != user.email
        user.full_name, user.email = data["full_name"], data["email"]
        user.save(update_fields=["full_name", "email"])
        membership.team = data["team"]
        if email_changed:
            # allauth also logs in by the addresses it keeps: the old one must not any more.
            EmailAddress.objects.filter(user=user).delete()
            membership.invited_at = None
        membership.save(update_fields=["team", "invited_at"])
        return email_changed


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["full_name", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.helper = fields_only(_("Save"))


class RetentionForm(forms.ModelForm[School]):
    """The school's retention period. The bounds are also a check constraint in the database;
    here every wrong number gets the same message the leader can act on."""

    # Declared, not generated: the model field's own 0..32767 validators would speak first.
    retention_months = forms.IntegerField(
        label=_("Retention period in months"),
        help_text=_(
            "After this many months, answers, interview notes and focus-group reactions are "
            "deleted; the released results stay."
        ),
        widget=forms.NumberInput(attrs={"min": RETENTION_MONTHS_MIN, "max": RETENTION_MONTHS_MAX}),
        error_messages={
            "required": _("Fill in a number of months."),
            "invalid": _("Fill in a whole number of months."),
        },
    )

    class Meta:
        model = School
        fields = ["retention_months"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = fields_only(_("Save"))

    def clean_retention_months(self) -> int:
        months = int(self.cleaned_data["retention_months"])
        if not RETENTION_MONTHS_MIN <= months <= RETENTION_MONTHS_MAX:
            raise ValidationError(
                _("Choose a number of months from %(low)s to %(high)s."),
                params={"low": RETENTION_MONTHS_MIN, "high": RETENTION_MONTHS_MAX},
            )
        return months
