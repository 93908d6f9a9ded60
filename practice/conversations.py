"""One difficult conversation (Aanbeveling 4): a teacher prepares it privately, may invite a
school leader as chair and chooses per question what the chair may read; the chair gets a
guide for leading the conversation so that it stays professional.

Only the teacher and the invited chair can open a preparation (anyone else gets a 404, not
even "forbidden"); it appears in no list of anyone else, in no figure and not in the admin,
and every page is sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.forms import submitted
from schools.http import no_store
from schools.models import AuditEntry, School, audit
from schools.tenancy import AuthedRequest, school_view

from .forms import ConversationForm
from .models import Conversation, Format
from .tasks import notify_chair


def _mine(request: AuthedRequest, school: School, pk: int) -> Conversation:
    return get_object_or_404(
        Conversation.objects.visible_to(request.user, school).select_related("chair"), pk=pk
    )


@school_view(lead=False)
@require_GET
def conversation_list(request: AuthedRequest, school: School) -> HttpResponse:
    """My preparations, and the ones I was invited to chair."""
    rows = list(
        Conversation.objects.visible_to(request.user, school).select_related("teacher", "chair")
    )
    return no_store(
        render(
            request,
            "practice/conversations.html",
            {
                "school": school,
                "mine": [c for c in rows if c.teacher_id == request.user.pk],
                "chairing": [c for c in rows if c.teacher_id != request.user.pk],
            },
        )
    )


@school_view(lead=False)
@require_http_methods(["GET", "POST"])
def conversation_new(request: AuthedRequest, school: School) -> HttpResponse:
    form = ConversationForm(**submitted(request), school=school)
    if request.method == "POST" and form.is_valid():
        form.instance.school = school
        form.instance.teacher = request.user
        conversation = form.save()
        if conversation.chair_id:
            notify_chair.delay_on_commit(conversation.pk)
        messages.success(request, _("Your preparation was saved. Only you can read it."))
        return redirect("practice:conversation", school.slug, conversation.pk)
    return no_store(
        render(request, "practice/conversation_form.html", {"school": school, "form": form})
    )


@school_view(lead=False)
@require_http_methods(["GET", "POST"])
def conversation(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """The teacher edits their preparation here; the invited chair reads what was shared,
    with the chair's guide."""
    item = _mine(request, school, pk)
    if item.teacher_id != request.user.pk:
        if request.method == "POST":
            return redirect("practice:conversation", school.slug, item.pk)
        audit(request.user, school, AuditEntry.Action.CONVERSATION, item.pk)
        guide = Format.objects.library().filter(slug="persoonlijk-parkeren").first()
        return no_store(
            render(
                request,
                "practice/chair_guide.html",
                {"school": school, "conversation": item, "parking": guide},
            )
        )
    form = ConversationForm(**submitted(request), instance=item, school=school)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved.chair_id and saved.chair_id != saved.notified_chair_id:
            notify_chair.delay_on_commit(saved.pk)
        messages.success(request, _("Your preparation was saved."))
        return redirect("practice:conversation", school.slug, item.pk)
    return no_store(
        render(
            request,
            "practice/conversation_form.html",
            {"school": school, "form": form, "conversation": item},
        )
    )


@school_view(lead=False)
@require_POST
def conversation_delete(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    item = _mine(request, school, pk)
    if item.teacher_id != request.user.pk:
        return redirect("practice:conversation", school.slug, item.pk)
    item.delete()
    messages.success(request, _("Your preparation was deleted."))
    return redirect("practice:conversations", school.slug)
