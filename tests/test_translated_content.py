"""Translated content has one mechanism (schools.i18n, docs/architecture.md "Languages"): a text
reads in the active language, Dutch when the English is empty and never English in Dutch; its
two columns hold "" for no text, never NULL; the back office edits the two columns and never
the plain one modeltranslation keeps beside them."""

from __future__ import annotations

import pytest
from django.db import models
from django.test import Client
from django.utils import translation
from modeltranslation.translator import translator

from interventions.models import Intervention, Recommendation, Theme
from practice.models import Format, FormatStep
from schools.models import School
from surveys.models import (
    Item,
    OpenQuestion,
    QuestionnaireTemplate,
    QuestionnaireVersion,
    TemplateItem,
    TemplateOpenQuestion,
)

from .factories import UserFactory


def test_a_text_reads_in_the_active_language_and_falls_back_to_dutch(school: School) -> None:
    theme = Theme.objects.get(number=2)
    own = Intervention.objects.create(theme=theme, number=1, school=school, text_nl="doet iets.")
    assert own.text_en == ""  # no English: an empty text, not NULL
    with translation.override("en"):
        assert theme.name == theme.name_en == "Professional development"
        assert own.text == "doet iets."
    with translation.override("nl"):
        assert theme.name == "Professionele ontwikkeling"
        own.text_nl = ""
        own.text_en = "does something."
        assert own.text == ""  # Dutch never falls back to English


def test_every_translated_text_is_registered_with_its_two_columns() -> None:
    registered = {
        Theme: {"name", "summary"},
        Recommendation: {"title", "body"},
        Intervention: {"text"},
        Format: {"title", "purpose", "roles", "phrases", "pitfalls"},
        FormatStep: {"title", "instruction", "prompt"},
        QuestionnaireTemplate: {"name", "intro"},
        QuestionnaireVersion: {"name", "intro"},
        TemplateItem: {"text", "leader_text"},
        Item: {"text", "leader_text"},
        TemplateOpenQuestion: {"text"},
        OpenQuestion: {"text"},
    }

    def field(model: type[models.Model], name: str) -> models.Field[object, object]:
        found = model._meta.get_field(name)
        assert isinstance(found, models.Field)
        return found

    for model, fields in registered.items():
        assert set(translator.get_options_for_model(model).all_fields) == fields, model
        for name in fields:
            for language in ("nl", "en"):
                column = field(model, f"{name}_{language}")
                assert not column.null, (model, name, language)
            plain = field(model, name)
            assert field(model, f"{name}_nl").blank == plain.blank, (model, name)
            assert field(model, f"{name}_en").blank, (model, name)


@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("/admin/interventions/theme/{theme}/change/", ("name", "summary")),
        ("/admin/practice/format/{format}/change/", ("title", "purpose", "roles")),
    ],
)
def test_the_back_office_edits_both_columns_and_not_the_plain_one(
    client: Client, db: None, path: str, columns: tuple[str, ...]
) -> None:
    user = UserFactory.create(email="staff@dialoog.test", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    url = path.format(
        theme=Theme.objects.get(number=1).pk,
        format=Format.objects.library().get(slug="feedback").pk,
    )
    page = client.get(url).content.decode()
    for name in columns:
        assert f'name="{name}_nl"' in page and f'name="{name}_en"' in page, name
        assert f'name="{name}"' not in page, name
    assert "(Dutch)" in page and "(English)" in page
