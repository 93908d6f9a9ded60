from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import slug_re
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.forms import submitted
from schools.models import School
from schools.tenancy import get_owned_or_404, school_view

from .forms import OwnInterventionForm
from .models import Intervention, Recommendation, Theme


def _own_interventions(request: HttpRequest) -> Prefetch[str]:
    """The catalogue, plus what the user's own schools added; never another school's."""
    return Prefetch(
        "interventions",
        queryset=Intervention.objects.for_user(request.user)
        .select_related("theme", "school")
        .prefetch_related("recommendations"),
    )


@login_required
@require_GET
def model_overview(request: HttpRequest) -> HttpResponse:
    themes = list(Theme.objects.prefetch_related(_own_interventions(request)))
    return render(
        request,
        "interventions/model.html",
        {
            "central": next((t for t in themes if t.is_central()), None),
            "topics": [t for t in themes if not t.is_central()],
            "themes": themes,
            "recommendations": Recommendation.objects.all(),
        },
    )


@login_required
@require_GET
def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(
        Theme.objects.prefetch_related(_own_interventions(request)), slug=slug
    )
    led = School.objects.led_by(request.user)
    return render(
        request,
        "interventions/theme.html",
        {
            "theme": theme,
            "interventions": theme.interventions.all(),
            "themes": Theme.objects.all(),
            "led_school_ids": set(led.values_list("pk", flat=True)),
        },
    )


@login_required
@require_GET
def recommendation_detail(request: HttpRequest, number: int) -> HttpResponse:
    recommendation = get_object_or_404(
        Recommendation.objects.prefetch_related(_own_interventions(request)), number=number
    )
    return render(
        request,
        "interventions/recommendation.html",
        {
            "recommendation": recommendation,
            "interventions": recommendation.interventions.all(),
            "recommendations": Recommendation.objects.all(),
        },
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def own_intervention_new(request: HttpRequest, school: School) -> HttpResponse:
    initial = {}
    theme_slug = request.GET.get("theme", "")
    if slug_re.match(theme_slug):  # the theme page links here with ?theme=<slug>
        initial["theme"] = Theme.objects.filter(slug=theme_slug).first()
    form = OwnInterventionForm(**submitted(request), school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        intervention = form.save()
        messages.success(
            request,
            _("Your intervention was added for %(school)s.") % {"school": school},
        )
        return redirect(intervention.theme.get_absolute_url())
    return render(
        request, "interventions/own_form.html", {"school": school, "form": form, "creating": True}
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def own_intervention_edit(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    intervention = get_owned_or_404(Intervention.objects.all(), school, pk=pk)
    form = OwnInterventionForm(**submitted(request), instance=intervention, school=school)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The intervention was saved."))
        return redirect(intervention.theme.get_absolute_url())
    return render(
        request,
        "interventions/own_form.html",
        {"school": school, "form": form, "creating": False, "intervention": intervention},
    )


@school_view(lead=True)
@require_POST
def own_intervention_delete(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    intervention = get_owned_or_404(Intervention.objects.all(), school, pk=pk)
    theme = intervention.theme
    intervention.delete()
    messages.success(request, _("The intervention was removed."))
    return redirect(theme.get_absolute_url())
