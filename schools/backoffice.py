"""What the back office (the Django admin) may never show: who answered a questionnaire, and
what anyone sent anonymously.

Three routes lead there, and each is closed here for every admin that inherits ``PrivateAdmin``
(every admin of dialoog's own apps; tests/test_admin_privacy.py checks that none is missed and
that no third-party admin reaches these fields either):

- **URL lookups.** The admin's change list accepts lookups in its query string, unasked:
  ``/admin/surveys/invitation/?done__exact=1`` lists who sent their answers and
  ``?draft__isnull=False`` who started without finishing, although neither is a column or a
  filter. ``lookup_allowed`` refuses (Django answers 400) every lookup whose path touches a
  field in ``ANSWERING`` or enters one of the ``PRIVATE_MODELS``.
- **Columns, filters, ordering, search and forms** are declared per admin; the test walks them
  with ``reveals_answering``, the same rule.
- **The delete confirmation** lists every object that goes with the deleted one: deleting a
  teacher would show their unfinished draft and their "finish the questionnaire" reminders
  (which are deleted the moment they finish), deleting a school its answers. Those objects are
  left out of the list and of its counts (``get_deleted_objects``); they are still deleted.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects, quote
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

_M = TypeVar("_M", bound=models.Model)

# Raw answers and anything phones or people sent that must never be browsed one by one. Not
# registered in the admin, and no lookup may enter them from a model that is.
PRIVATE_MODELS = frozenset(
    {
        "surveys.response",
        "surveys.answer",
        "surveys.openanswer",
        "surveys.draft",
        "surveys.ballot",
        "surveys.roundtally",
        "surveys.leaderanswer",
        "interviews.interview",
        "interviews.interviewnote",
        "focusgroups.checkin",
        "focusgroups.reaction",
        "focusgroups.vote",
        "practice.stepinput",
        "practice.reflection",
        "practice.conversation",
        "planning.topicvote",
        "nudges.reflection",
    }
)

# Fields (of registered models) that tell who answered: an invitation's ``done`` and its
# ``draft`` (there only until the answers are sent), and a person's nudges, among them the
# "finish the questionnaire" reminders that are deleted when the teacher finishes.
ANSWERING = frozenset(
    {
        ("surveys.invitation", "done"),
        ("surveys.invitation", "draft"),
        ("schools.user", "nudges"),
    }
)


def reveals_answering(model: type[models.Model], path: str) -> bool:
    """Does the lookup, column or ordering ``path`` (``a__b__c``, optionally ending in a
    lookup such as ``exact`` or a leading ``-``) on ``model`` touch a field in ``ANSWERING``
    or enter one of the ``PRIVATE_MODELS``?"""
    current: type[models.Model] | None = model
    for part in path.lstrip("-").split("__"):
        if current is None:
            break
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            break  # a lookup (exact, isnull, ...) or a transform: the path ends here
        if (current._meta.label_lower, field.name) in ANSWERING:
            return True
        related = field.related_model
        if related is None or isinstance(related, str):
            break
        if related._meta.label_lower in PRIVATE_MODELS:
            return True
        current = related
    return False


def hidden_from_back_office(obj: models.Model) -> bool:
    """Objects a delete confirmation must not list: raw answers and the like, and the
    respondent reminders (who has not finished yet)."""
    label = obj._meta.label_lower
    if label in PRIVATE_MODELS:
        return True
    return label == "nudges.nudge" and getattr(obj, "rule", "") == "respondents"


class PrivateAdmin(admin.ModelAdmin[_M]):
    """An admin that cannot be made to say who answered (see the module's docstring)."""

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if reveals_answering(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """Django's own list (``django.contrib.admin.utils.get_deleted_objects``) without the
        objects ``hidden_from_back_office``: not in the tree, not in the counts. Permissions
        are checked as Django does, for the objects that are listed."""
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)
        perms_needed: set[str] = set()
        site = self.admin_site

        def describe(obj: models.Model) -> Any:
            opts = obj._meta
            plain = f"{capfirst(opts.verbose_name)}: {obj}"
            if not site.is_registered(type(obj)):
                return plain
            if not site.get_model_admin(type(obj)).has_delete_permission(request, obj):
                perms_needed.add(str(opts.verbose_name))
            try:
                url = reverse(
                    f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
                )
            except NoReverseMatch:
                return plain
            return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)

        def prune(nested: list[Any]) -> list[Any]:
            # ``nested`` alternates an object and, right after it, the list of its dependants.
            kept: list[Any] = []
            for item in nested:
                if isinstance(item, list):
                    if kept and kept[-1] is not _HIDDEN:
                        children = prune(item)
                        if children:
                            kept.append(children)
                    continue
                kept.append(item)
            return [item for item in kept if item is not _HIDDEN]

        to_delete = prune(
            collector.nested(lambda obj: _HIDDEN if hidden_from_back_office(obj) else describe(obj))
        )
        # A hidden object that blocks the delete is named by its kind only, so the page still
        # says why the delete cannot go ahead.
        protected = [
            describe(obj) for obj in collector.protected if not hidden_from_back_office(obj)
        ] + sorted(
            {
                str(capfirst(obj._meta.verbose_name_plural))
                for obj in collector.protected
                if hidden_from_back_office(obj)
            }
        )
        counts: dict[str, int] = {}
        for instances in collector.model_objs.values():
            shown = [obj for obj in instances if not hidden_from_back_office(obj)]
            if shown:
                counts[str(shown[0]._meta.verbose_name_plural)] = len(shown)
        return to_delete, counts, perms_needed, protected


_HIDDEN = object()
