"""The questionnaires' translated texts (schools.i18n): the editable templates and their frozen
versions alike, so a version keeps both languages of what it froze."""

from __future__ import annotations

from modeltranslation.translator import register

from schools.i18n import Texts

from .models import (
    Item,
    OpenQuestion,
    QuestionnaireTemplate,
    QuestionnaireVersion,
    TemplateItem,
    TemplateOpenQuestion,
)


@register([QuestionnaireTemplate, QuestionnaireVersion])
class QuestionnaireTexts(Texts):
    fields = ("name", "intro")


@register([TemplateItem, Item])
class StatementTexts(Texts):
    fields = ("text", "leader_text")


@register([TemplateOpenQuestion, OpenQuestion])
class OpenQuestionTexts(Texts):
    fields = ("text",)
