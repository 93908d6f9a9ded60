from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .adapters import may_use_two_factor
from .models import Membership, School


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which navigation to show: the leader's (the cycle) or the teacher's (own pages),
    for the school in the URL or, on pages without one, the person's first school."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    school: School | None = getattr(request, "school", None)
    schools = list(School.objects.for_user(user))
    if school is None and schools:
        school = schools[0]
    leads = False
    if school is not None:
        leads = Membership.objects.filter(
            user=user, school=school, role__in=Membership.LEADING_ROLES
        ).exists() or (
            user.is_board_admin()
            and school.board_id is not None
            and School.objects.led_by(user).filter(pk=school.pk).exists()
        )
    # A page that already counted the person's open nudges (the dashboard) saves the query.
    nudges: int = getattr(request, "open_nudge_count", 0)
    if school is not None and not hasattr(request, "open_nudge_count"):
        from django.utils import timezone

        from nudges.models import Nudge

        nudges = Nudge.objects.filter(school=school, recipient=user).visible(timezone.now()).count()
    return {
        "nav_nudges": nudges,
        "nav_school": school,
        "nav_schools": schools,
        "nav_leads": leads,
        "nav_two_factor": may_use_two_factor(user),
    }
