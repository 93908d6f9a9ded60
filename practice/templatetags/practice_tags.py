from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from planning.models import Activity

from ..models import Format, PracticeSession

register = template.Library()


@register.simple_tag
def practice_choice(activity: Activity) -> dict[str, Any]:
    """What the activity form's "practise with a format" block needs (two queries): the
    formats the school may choose and the session the activity already has."""
    session = (
        PracticeSession.objects.filter(activity=activity).select_related("format").first()
        if activity.pk
        else None
    )
    return {
        "formats": list(
            Format.objects.visible_to(activity.school).only("pk", "title_nl", "title_en", "minutes")
        ),
        "session": session,
        "locked": session is not None and session.started_at is not None,
        "threshold": session.threshold if session else settings.ANONYMITY_THRESHOLD_DEFAULT,
    }
