"""What a nudge says: the suggested intervention per rule and the label of its link. Used by
the notification list, the dashboard and the e-mails."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from .models import Nudge, Rule

TEXT: dict[str, StrOrPromise] = {
    Rule.R1_KEEP_GOING: _(
        "Nothing on the professional dialogue is planned in the coming weeks. Keep the "
        "conversation going: put a team meeting or a reflection moment in the calendar."
    ),
    Rule.R2_NAME_IT: _(
        "The latest round shows tension in the team, and no focus group or discussion is "
        "planned yet. Name what you see: plan a focus group to talk about it together."
    ),
    Rule.R3_AGREEMENTS: _(
        "A focus group ended without agreements, or an agreement is past its review date. "
        "Make emotion central and make agreements: record them, or plan the review."
    ),
    Rule.R4_HELP: _(
        "In an interview a teacher asked for help to raise something with a colleague, and "
        "there has been no follow-up yet. Help them: talk it through and mark it followed up."
    ),
    Rule.R5_AGENDA: _(
        "A meeting is coming up and its agenda is still empty. Facilitate the dialogue: "
        "prepare the agenda, and ask teachers which topics they want to raise."
    ),
    Rule.R5_PRACTICE: _(
        "There is no practice moment in the plan this term. Facilitate and practise: plan "
        "feedback or conversation practice, or a peer consultation."
    ),
    Rule.R5_TOPICS: _(
        "A team meeting is coming up. Is there something you want to talk about together? "
        "Suggest a topic before the meeting."
    ),
    Rule.RESPONDENTS: _(
        "You have not finished the questionnaire about the professional dialogue yet. Your "
        "answers stay anonymous; it takes about fifteen minutes."
    ),
    Rule.REFLECT: _(
        "Take a moment to stop and reflect on your choices: what did you do for the dialogue "
        "in your team lately, and what do you want to do next? Write it in your own log."
    ),
}

ACTION: dict[str, StrOrPromise] = {
    Rule.R1_KEEP_GOING: _("Plan a team meeting"),
    Rule.R2_NAME_IT: _("Plan a focus group"),
    Rule.R3_AGREEMENTS: _("Go to the agreements"),
    Rule.R4_HELP: _("Open the interview"),
    Rule.R5_AGENDA: _("Prepare the agenda"),
    Rule.R5_PRACTICE: _("Plan a practice moment"),
    Rule.R5_TOPICS: _("Suggest a topic"),
    Rule.RESPONDENTS: _("Finish the questionnaire"),
    Rule.REFLECT: _("Open my reflection log"),
}


def decorate(nudges: list[Nudge]) -> list[dict[str, object]]:
    """Nudges with their text and the action that handles them, as the list and the
    dashboard show them."""
    return [{"nudge": n, "text": TEXT[n.rule], "action": ACTION[n.rule]} for n in nudges]
