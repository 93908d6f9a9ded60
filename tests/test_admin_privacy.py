"""The back office cannot list who answered (issue 16): no column, filter, ordering, search,
field or lookup in the address on an invitation's ``done`` or draft, nor on a person's
reminders to finish; raw answers and what phones sent are not in the admin at all; a delete
confirmation does not list them either. Also for the demo's back-office login."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import Client, RequestFactory
from django.utils import timezone

from nudges.models import Nudge, Rule
from schools.backoffice import ANSWERING, PRIVATE_MODELS, PrivateAdmin, reveals_answering
from schools.models import School, Team, User
from surveys.models import Draft, Invitation, Round

from .factories import UserFactory
from .survey_helpers import open_round, write_draft


@pytest.fixture
def staff(client: Client, db: None) -> Client:
    user = UserFactory.create(email="staff@dialoog.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def answered(school: School, team: Team, teacher: User) -> Round:
    """An open round of the team: the teacher has sent their answers, a colleague has a draft
    and a reminder to finish, a third has not started."""
    started = UserFactory.create(email="started@linde.test", full_name="Sam Begonnen")
    idle = UserFactory.create(email="idle@linde.test", full_name="Ida Nognietbegonnen")
    for user in (started, idle):
        user.memberships.create(school=school, team=team, role="teacher")
    round_ = open_round(school, team=team, threshold=3)
    Invitation.objects.filter(round=round_, user=teacher).update(done=True)
    Draft.objects.create(invitation=Invitation.objects.get(round=round_, user=started))
    Nudge.objects.create(
        rule=Rule.RESPONDENTS,
        school=school,
        recipient=started,
        period=f"round-{round_.pk}",
        due_at=timezone.now(),
    )
    return round_


def _invitation_of(round_: Round, email: str) -> Invitation:
    return Invitation.objects.get(round=round_, user__email=email)


# ---------------------------------------------------------------- lookups in the address


@pytest.mark.parametrize(
    "query",
    [
        "done__exact=1",
        "done__exact=0",
        "done=1",
        "done__in=1",
        "done__isnull=False",
        "draft__isnull=False",
        "draft__isnull=True",
        "draft__answers__has_key=1",
        "user__invitations__done=1",
        "round__invitations__done=1",
        "user__nudges__rule=respondents",
        "user__nudges__isnull=False",
    ],
)
def test_a_lookup_on_answering_does_not_filter_the_invitations(
    staff: Client, answered: Round, query: str
) -> None:
    response = staff.get(f"/admin/surveys/invitation/?{query}")
    # Django answers a refused lookup with 400 Bad Request: no list at all.
    assert response.status_code == 400, query
    assert b"Tim Leerkracht" not in response.content
    assert b"Sam Begonnen" not in response.content


def test_the_invitation_list_shows_everyone_invited_and_nothing_about_answering(
    staff: Client, answered: Round
) -> None:
    page = staff.get("/admin/surveys/invitation/")
    assert page.status_code == 200
    text = page.content.decode()
    for name in ("Tim Leerkracht", "Sam Begonnen", "Ida Nognietbegonnen"):
        assert name in text
    assert "column-done" not in text and "field-done" not in text
    assert "done__exact" not in text and "draft__isnull" not in text
    # A harmless lookup still filters (the refusals above are about answering only).
    by_school = staff.get(
        "/admin/surveys/invitation/", {"round__school__id__exact": answered.school_id}
    )
    assert by_school.status_code == 200 and "Ida Nognietbegonnen" in by_school.content.decode()
    # Every ordering the list offers leaves ``done`` out; searching finds people by name.
    for order in ("1", "-1", "2", "3", "1.2.3"):
        assert staff.get(f"/admin/surveys/invitation/?o={order}").status_code == 200
    found = staff.get("/admin/surveys/invitation/", {"q": "Sam"}).content.decode()
    assert "Sam Begonnen" in found and "Ida Nognietbegonnen" not in found


def test_the_invitation_change_form_does_not_show_done_or_the_draft(
    staff: Client, answered: Round
) -> None:
    for email in ("teacher@linde.test", "started@linde.test", "idle@linde.test"):
        invitation = _invitation_of(answered, email)
        page = staff.get(f"/admin/surveys/invitation/{invitation.pk}/change/")
        assert page.status_code == 200
        text = page.content.decode()
        assert str(invitation.user) in text
        assert "field-done" not in text and 'name="done"' not in text
        assert "field-draft" not in text and "Draft" not in text
        # The same three fields for everyone, whether they sent, started or not.
        shown = {
            field.field["name"] if isinstance(field.field, dict) else field.field.name
            for fieldset in page.context["adminform"]
            for line in fieldset
            for field in line
        }
        assert shown == {"round", "user", "sent_count"}, shown


@pytest.mark.parametrize(
    "url",
    [
        "/admin/schools/user/?nudges__isnull=False",
        "/admin/schools/user/?nudges__rule=respondents",
        "/admin/schools/user/?nudges=1",
        "/admin/schools/user/?invitations__done=1",
        "/admin/schools/user/?invitations__draft__isnull=False",
        "/admin/schools/user/?interviews__isnull=False",
        "/admin/schools/membership/?user__invitations__done=1",
        "/admin/schools/school/?rounds__invitations__done=1",
        "/admin/surveys/round/?invitations__done=1",
        "/admin/surveys/round/?responses__isnull=False",
        "/admin/surveys/round/?open_answers__text__icontains=a",
        "/admin/planning/topic/?votes__isnull=False",
        "/admin/nudges/nudge/?recipient__invitations__done=1",
    ],
)
def test_no_other_list_can_be_filtered_on_who_answered(
    staff: Client, answered: Round, url: str
) -> None:
    assert staff.get(url).status_code == 400, url


def test_harmless_lookups_still_work(staff: Client, answered: Round) -> None:
    # The guard refuses what reveals answering, not filtering as such.
    assert staff.get("/admin/schools/user/?is_staff__exact=1").status_code == 200
    assert staff.get("/admin/schools/user/?memberships__role=teacher").status_code == 200
    by_school = f"/admin/surveys/round/?school__id__exact={answered.school_id}"
    assert staff.get(by_school).status_code == 200


def _relations(model: type[models.Model]) -> Iterator[models.Field[Any, Any]]:
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            yield field  # type: ignore[misc]


def _paths_to_answering(model: type[models.Model], depth: int = 3) -> Iterator[str]:
    """Every lookup of at most ``depth`` relations from ``model`` that ends on a field in
    ``ANSWERING`` or enters a private model."""
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _ in range(depth):
        following: list[tuple[type[models.Model], str]] = []
        for current, prefix in frontier:
            for label, name in ANSWERING:
                if current._meta.label_lower == label:
                    yield f"{prefix}{name}"
            for field in _relations(current):
                related = field.related_model
                assert related is not None and not isinstance(related, str)
                path = f"{prefix}{field.name}"
                if related._meta.label_lower in PRIVATE_MODELS:
                    yield path
                else:
                    following.append((related, f"{path}__"))
        frontier = following


def test_no_registered_admin_accepts_a_lookup_that_reveals_answering(db: None) -> None:
    """Every admin, ours and third-party (allauth, Celery beat, auth), for every path of up to
    three relations to an invitation's done or draft, a person's reminders or a private table,
    with a plain value and an isnull test."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.create(is_staff=True, is_superuser=True)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for path in _paths_to_answering(model):
            for lookup, value in ((path, "1"), (f"{path}__exact", "1"), (f"{path}__isnull", "0")):
                assert not model_admin.lookup_allowed(lookup, value, request), (model, lookup)
                checked += 1
    assert checked > 100  # the walk found the paths it is meant to find


def test_every_admin_of_ours_is_private_and_declares_nothing_that_reveals_answering(
    db: None,
) -> None:
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in settings.PROJECT_APPS:
            continue
        assert isinstance(model_admin, PrivateAdmin), model
        declared: list[str] = []
        for name in (
            "list_display",
            "list_display_links",
            "search_fields",
            "ordering",
            "sortable_by",
            "readonly_fields",
            "raw_id_fields",
            "autocomplete_fields",
            "list_select_related",
        ):
            value = getattr(model_admin, name, None)
            if isinstance(value, list | tuple):
                declared += [v for v in value if isinstance(v, str)]
        for item in model_admin.list_filter:
            first = item[0] if isinstance(item, list | tuple) else item
            if isinstance(first, str):
                declared.append(first)
        if model_admin.date_hierarchy:
            declared.append(model_admin.date_hierarchy)
        request = RequestFactory().get("/admin/")
        request.user = User(is_staff=True, is_superuser=True)
        fieldsets = [*model_admin.get_fieldsets(request), *(model_admin.fieldsets or [])]
        for _name, options in fieldsets:
            for field in options["fields"]:
                declared += list(field) if isinstance(field, list | tuple) else [field]
        assert declared, model
        for path in declared:
            path = path.lstrip("^=@-")
            assert not reveals_answering(model, path), (model, path)
            assert "done" not in path.split("__"), (model, path)


def test_the_guard_knows_the_paths_it_refuses() -> None:
    assert reveals_answering(Invitation, "done")
    assert reveals_answering(Invitation, "done__exact")
    assert reveals_answering(Invitation, "-done")
    assert reveals_answering(Invitation, "draft__isnull")
    assert reveals_answering(User, "invitations__done")
    assert reveals_answering(User, "nudges__rule")
    assert reveals_answering(School, "rounds__responses__id")
    assert not reveals_answering(Invitation, "user__email")
    assert not reveals_answering(Invitation, "round__school__name")
    assert not reveals_answering(Round, "leader_done")  # the leader's own view, not anonymous


# ---------------------------------------------------------------- raw tables


def test_raw_answers_and_phone_input_are_not_in_the_admin(staff: Client) -> None:
    from django.apps import apps

    labels = set()
    for label in PRIVATE_MODELS:
        model = apps.get_model(label)
        labels.add(model._meta.label_lower)
        assert not admin.site.is_registered(model), label
        app, name = label.split(".")
        assert staff.get(f"/admin/{app}/{name}/").status_code == 404, label
        assert staff.get(f"/admin/{app}/{name}/1/change/").status_code == 404, label
        assert staff.get(f"/admin/{app}/{name}/add/").status_code == 404, label
    # The list is complete: every table of answers, drafts, tallies and phone input is in it.
    for label in (
        "surveys.response",
        "surveys.answer",
        "surveys.openanswer",
        "surveys.draft",
        "surveys.roundtally",
        "focusgroups.checkin",
        "focusgroups.reaction",
        "focusgroups.vote",
        "practice.stepinput",
        "practice.reflection",
    ):
        assert label in labels
    index = staff.get("/admin/")
    names = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert "Invitation" in names
    assert not names & {apps.get_model(label).__name__ for label in PRIVATE_MODELS}


# ---------------------------------------------------------------- delete confirmations


def test_deleting_a_person_lists_their_invitations_but_not_their_draft_or_reminder(
    staff: Client, answered: Round
) -> None:
    started = User.objects.get(email="started@linde.test")
    draft = Draft.objects.get(invitation__user=started)
    reminder = Nudge.objects.get(recipient=started)
    page = staff.get(f"/admin/schools/user/{started.pk}/delete/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"draft {draft.pk}" not in text and "Finish the questionnaire" not in text
    # What goes with the person is still listed, and counted: all but the draft and reminder.
    assert dict(page.context["model_count"]) == {"users": 1, "memberships": 1, "invitations": 1}
    assert len(_flat(page.context["deleted_objects"])) == 3
    # The page of someone who never started looks the same: it tells nothing.
    idle = User.objects.get(email="idle@linde.test")
    other = staff.get(f"/admin/schools/user/{idle.pk}/delete/")
    assert dict(other.context["model_count"]) == dict(page.context["model_count"])
    # The delete itself still takes everything with it.
    staff.post(f"/admin/schools/user/{started.pk}/delete/", {"post": "yes"})
    assert not Draft.objects.filter(pk=draft.pk).exists()
    assert not Nudge.objects.filter(pk=reminder.pk).exists()


def test_deleting_an_invitation_a_round_or_a_school_lists_no_answers_or_drafts(
    staff: Client, answered: Round, school: School
) -> None:
    from surveys.services import submit_answers

    sent = _invitation_of(answered, "idle@linde.test")
    items = answered.version.items.all()
    write_draft(sent, {str(item.pk): 4 for item in items})
    submit_answers(invitation_id=sent.pk, now=timezone.now())
    started = _invitation_of(answered, "started@linde.test")
    for url in (
        f"/admin/surveys/invitation/{started.pk}/delete/",
        f"/admin/surveys/round/{answered.pk}/delete/",
        f"/admin/schools/school/{school.pk}/delete/",
    ):
        page = staff.get(url)
        assert page.status_code == 200, url
        listed = " ".join(_flat(page.context["deleted_objects"]))
        counted = dict(page.context["model_count"])
        assert "invitations" in counted, url  # the list is there, without the hidden parts
        for word in ("draft", "response", "answer", "finish the questionnaire", "tall"):
            assert word not in listed.lower(), (url, word)
            assert not any(word in name for name in counted), (url, word)


def _flat(nested: list[Any]) -> list[str]:
    return [s for item in nested for s in (_flat(item) if isinstance(item, list) else [item])]


# ---------------------------------------------------------------- the demo's back office


def test_the_demo_back_office_sees_schools_people_and_templates_not_who_answered(
    client: Client, db: None
) -> None:
    call_command("seed_demo", quiet=True)
    client.force_login(User.objects.get(email="admin@regenboog.test"))
    client.cookies["django_language"] = "en"
    index = client.get("/admin/")
    assert index.status_code == 200
    names = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"School", "User", "Membership", "QuestionnaireTemplate", "Round"} <= names
    from django.apps import apps

    assert not names & {apps.get_model(label).__name__ for label in PRIVATE_MODELS}
    for url in ("/admin/schools/school/", "/admin/schools/user/", "/admin/surveys/round/"):
        assert client.get(url).status_code == 200, url
    teacher = User.objects.get(email="leerkracht1@regenboog.test")
    assert "leerkracht1@regenboog.test" in client.get("/admin/schools/user/").content.decode()
    templates = client.get("/admin/surveys/questionnairetemplate/")
    assert templates.status_code == 200 and "field-name_nl" in templates.content.decode()
    invitations = client.get("/admin/surveys/invitation/")
    assert invitations.status_code == 200
    text = invitations.content.decode()
    assert str(teacher) in text
    assert "column-done" not in text and "done__exact" not in text
    assert client.get("/admin/surveys/invitation/?done__exact=1").status_code == 400
    assert client.get("/admin/surveys/invitation/?done__exact=0").status_code == 400
    for label in PRIVATE_MODELS:
        app, name = label.split(".")
        assert client.get(f"/admin/{app}/{name}/").status_code == 404, label
