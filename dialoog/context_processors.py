from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from nudges.models import Nudge
from schools.adapters import may_use_two_factor
from schools.models import Membership, School


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which navigation to show: the leader's (the cycle) or the teacher's (own pages),
    for the school in the URL or, on pages without one, the person's first school.

    Everything comes from one query on the person's own memberships (with their schools),
    plus one for the schools of boards they administer, if any: this runs on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(Membership.objects.filter(user=user).select_related("school").order_by())
    roles = {m.role for m in memberships}
    by_pk = {m.school.pk: m.school for m in memberships if m.school is not None}
    boards = {m.board_id for m in memberships if m.role == Membership.Role.BOARD_ADMIN}
    if boards:
        by_pk.update({s.pk: s for s in School.objects.filter(board__in=boards)})
    schools = sorted(by_pk.values(), key=lambda s: (s.name, s.pk))  # School's own ordering
    school: School | None = getattr(request, "school", None)
    if school is None and schools:
        school = schools[0]
    leads: bool = getattr(request, "leads_school", False)
    if school is not None and not leads:
        leads = any(
            m.school_id == school.pk and m.role in Membership.LEADING_ROLES for m in memberships
        ) or (school.board_id is not None and school.board_id in boards)
    # A page that already counted the person's open nudges (the dashboard) saves the query.
    nudges: int = getattr(request, "open_nudge_count", 0)
    if school is not None and not hasattr(request, "open_nudge_count"):
        from django.utils import timezone

        nudges = Nudge.objects.filter(school=school, recipient=user).visible(timezone.now()).count()
    return {
        "nav_nudges": nudges,
        "nav_school": school,
        "nav_schools": schools,
        "nav_leads": leads,
        "nav_two_factor": may_use_two_factor(user, roles),
    }
