"""Demo nudges: after seed_demo the demo leader has at least one open nudge of every rule, and
teachers have theirs, whatever the demo calendar happens to fire on the day."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from schools.models import Membership, School

from .models import DEMO_PERIOD, Nudge, Rule
from .rules import scan

LINKS = {
    Rule.R1_KEEP_GOING: ("calendar:activity_new", "?kind=team_meeting"),
    Rule.R2_NAME_IT: ("calendar:activity_new", "?kind=focus_group"),
    Rule.R3_AGREEMENTS: ("focus:agreements", ""),
    Rule.R4_HELP: ("nudges:list", ""),
    Rule.R5_AGENDA: ("calendar:year", ""),
    Rule.R5_PRACTICE: ("calendar:activity_new", "?kind=conversation_practice"),
    Rule.R5_TOPICS: ("calendar:topics", ""),
    Rule.RESPONDENTS: ("teacher_home", ""),
    Rule.REFLECT: ("nudges:reflections", ""),
}
TEACHER_RULES = (Rule.RESPONDENTS, Rule.R5_TOPICS)


def seed_nudges(school: School) -> int:
    """Run a scan, then add a demo nudge (period "demo", no e-mail) for every rule that did not
    fire. Idempotent: the demo rows are unique like any other."""
    now = timezone.now()
    scan(now=now, schools=School.objects.filter(pk=school.pk))
    members = Membership.objects.filter(school=school).select_related("user")
    leaders = [m.user for m in members if m.role == Membership.Role.LEADER]
    teachers = [m.user for m in members if m.role == Membership.Role.TEACHER][:3]
    added = 0
    for rule in Rule:
        people = teachers if rule in TEACHER_RULES else leaders
        for person in people:
            if Nudge.objects.filter(school=school, recipient=person, rule=rule).live().exists():
                continue
            name, query = LINKS[rule]
            nudge, created = Nudge.objects.get_or_create(
                rule=rule,
                school=school,
                recipient=person,
                period=DEMO_PERIOD,
                defaults={
                    "due_at": now,
                    "link": reverse(name, args=[school.slug]) + query,
                    "delivery": Nudge.Delivery.SKIPPED,
                },
            )
            if not created:
                Nudge.objects.filter(pk=nudge.pk).update(state=Nudge.State.OPEN, closed_at=None)
            added += 1
    return added
