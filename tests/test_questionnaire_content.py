"""The default questionnaire from the data migration: its content is complete in both languages
and for the leader, and freezing it keeps past versions as they were."""

from __future__ import annotations

import pytest

from interventions.models import Theme
from surveys.models import Block, QuestionnaireTemplate, TemplateItem

NAME_NL = "Professionele dialoog in ons team"
TEXT_FIELDS = ("text_nl", "text_en", "leader_text_nl", "leader_text_en")


def default_template() -> QuestionnaireTemplate:
    return QuestionnaireTemplate.objects.get(name_nl=NAME_NL)


@pytest.mark.django_db
def test_the_default_template_exists_and_is_active() -> None:
    template = default_template()
    assert template.is_active
    assert template.name_en == "Professional dialogue in our team"
    assert template.intro_nl
    assert template.intro_en
    assert "weet ik niet" in template.intro_nl
    assert "anoniem" in template.intro_nl


@pytest.mark.django_db
def test_every_theme_has_enough_statements_with_all_four_texts() -> None:
    template = default_template()
    for theme in Theme.objects.order_by("number"):
        items = list(template.items.filter(block=Block.THEME, theme=theme).order_by("order"))
        assert len(items) >= 5, theme.number
        assert [i.order for i in items] == list(range(1, len(items) + 1)), theme.number
        assert sum(i.reverse_scored for i in items) <= 1, theme.number
        for item in items:
            for field in TEXT_FIELDS:
                assert getattr(item, field).strip(), (theme.number, item.order, field)


@pytest.mark.django_db
def test_the_climate_block_holds_the_warning_sign() -> None:
    items = list(default_template().items.filter(block=Block.CLIMATE).order_by("order"))
    assert len(items) >= 4
    assert [i.order for i in items] == list(range(1, len(items) + 1))
    assert any(i.reverse_scored for i in items)
    texts = {i.text_nl: i for i in items}
    assert "In ons team kan alles gezegd worden." in texts
    assert texts["Er blijven in ons team dingen onuitgesproken."].reverse_scored
    for item in items:
        for field in TEXT_FIELDS:
            assert getattr(item, field).strip(), (item.order, field)


@pytest.mark.django_db
def test_theme_items_have_a_theme_and_climate_items_none() -> None:
    items = default_template().items.all()
    assert not items.filter(block=Block.THEME, theme__isnull=True).exists()
    assert not items.filter(block=Block.CLIMATE, theme__isnull=False).exists()
    assert set(items.values_list("block", flat=True)) == {Block.THEME, Block.CLIMATE}


@pytest.mark.django_db
def test_open_questions_in_both_languages() -> None:
    questions = list(default_template().open_questions.order_by("order"))
    assert len(questions) >= 3
    assert [q.order for q in questions] == list(range(1, len(questions) + 1))
    for question in questions:
        assert question.text_nl.strip()
        assert question.text_en.strip()


@pytest.mark.django_db
def test_no_statement_text_is_duplicated() -> None:
    items = list(default_template().items.all())
    for field in TEXT_FIELDS:
        texts = [getattr(i, field).strip().casefold() for i in items]
        assert len(texts) == len(set(texts)), field


@pytest.mark.django_db
def test_every_text_is_short() -> None:
    template = default_template()
    texts: list[str] = []
    for item in template.items.all():
        texts.extend(getattr(item, field) for field in TEXT_FIELDS)
    for question in template.open_questions.all():
        texts.extend([question.text_nl, question.text_en])
    assert texts
    for text in texts:
        assert len(text) < 200, text


@pytest.mark.django_db
def test_freezing_copies_everything_and_is_reused_while_nothing_changes() -> None:
    template = default_template()
    version = template.freeze()
    assert version.items.count() == template.items.count()
    assert version.open_questions.count() == template.open_questions.count()
    assert version.name_nl == template.name_nl
    assert version.items.filter(reverse_scored=True).count() == (
        template.items.filter(reverse_scored=True).count()
    )
    assert template.freeze() == version


@pytest.mark.django_db
def test_editing_the_template_never_changes_a_frozen_version() -> None:
    template = default_template()
    old_version = template.freeze()
    item = template.items.filter(block=Block.CLIMATE).order_by("order").first()
    assert isinstance(item, TemplateItem)
    old_text = item.text_nl
    frozen = old_version.items.get(block=Block.CLIMATE, order=item.order)
    assert frozen.text_nl == old_text

    item.text_nl = "In ons team durven we alles tegen elkaar te zeggen."
    item.save()

    new_version = template.freeze()
    assert new_version != old_version
    assert new_version.number == old_version.number + 1
    assert new_version.items.get(block=Block.CLIMATE, order=item.order).text_nl == item.text_nl
    frozen.refresh_from_db()
    assert frozen.text_nl == old_text


@pytest.mark.django_db
def test_every_theme_statement_names_interventions_of_its_theme_and_all_26_are_asked() -> None:
    from interventions.models import Intervention

    template = QuestionnaireTemplate.objects.get(is_active=True)
    covered: set[int] = set()
    for item in template.items.filter(block="theme").prefetch_related("interventions__theme"):
        linked = list(item.interventions.all())
        assert linked, item.text_nl
        assert all(i.theme_id == item.theme_id for i in linked), item.text_nl
        covered.update(i.pk for i in linked)
    assert covered == set(Intervention.objects.catalogue().values_list("pk", flat=True))


@pytest.mark.django_db
def test_freezing_keeps_signal_keys_and_interventions() -> None:
    template = QuestionnaireTemplate.objects.get(is_active=True)
    version = template.freeze()
    assert version.items.get(key="left_unsaid").reverse_scored
    assert version.items.get(key="all_can_be_said").block == "climate"
    frozen = version.items.filter(block="theme").prefetch_related("interventions")
    assert all(item.interventions.exists() for item in frozen)
