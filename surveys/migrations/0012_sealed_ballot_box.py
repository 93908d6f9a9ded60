"""The sealed ballot box (surveys/ballots.py, surveys/sealing.py):

- drafts are sealed: their answers move from readable JSON into encrypted, fixed-length text;
- sent questionnaires wait as sealed ballots until the closed round's box is opened;
- a round knows when its box was opened, and what turnout its leader was last shown;
- answers are keyed by their response and statement, with real foreign keys again: the
  statement-level triggers of migration 0011 and the answers' own random key go.
"""

import importlib
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce

_0011 = importlib.import_module("surveys.migrations.0011_answer_references_checked_per_statement")


def _sizes(apps, version_id):  # type: ignore[no-untyped-def]
    from surveys.sealing import Sizes

    Item = apps.get_model("surveys", "Item")
    OpenQuestion = apps.get_model("surveys", "OpenQuestion")
    return Sizes.of(
        Item.objects.filter(version_id=version_id),
        OpenQuestion.objects.filter(version_id=version_id),
    )


def seal_drafts(apps, schema_editor):  # type: ignore[no-untyped-def]
    from surveys.sealing import clean_text, seal

    Draft = apps.get_model("surveys", "Draft")
    for draft in Draft.objects.select_related("invitation__round"):
        sizes = _sizes(apps, draft.invitation.round.version_id)
        draft.scores = seal(draft.answers, sizes.scores)
        # As a save would keep them now: the fixed length allows for nothing else.
        texts = {key: clean_text(str(text)) for key, text in draft.open_answers.items()}
        draft.texts = seal(texts, sizes.texts)
        draft.save(update_fields=["scores", "texts"])


def unseal_drafts(apps, schema_editor):  # type: ignore[no-untyped-def]
    from surveys.sealing import unseal

    Draft = apps.get_model("surveys", "Draft")
    for draft in Draft.objects.all():
        draft.answers = unseal(draft.scores) if draft.scores else {}
        draft.open_answers = unseal(draft.texts) if draft.texts else {}
        draft.save(update_fields=["answers", "open_answers"])


def mark_opened_boxes(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Rounds answered before the box existed hold responses already: their box counts as
    # opened, so no ballot can join them and they cannot be reopened.
    Round = apps.get_model("surveys", "Round")
    Response = apps.get_model("surveys", "Response")
    Invitation = apps.get_model("surveys", "Invitation")
    Round.objects.filter(
        pk__in=Response.objects.values("round_id"), closes_at__isnull=False
    ).update(box_opened_at=models.F("closes_at"))
    # The turnout leaders see from now on is counted every full hour; start from the count
    # of this hour, so no page shows "fewer than N" for a round that had more.
    now = django.utils.timezone.now()
    answered = (
        Invitation.objects.filter(round=models.OuterRef("pk"), done=True)
        .order_by()
        .values("round")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    Round.objects.filter(opens_at__lte=now).update(
        turnout=Coalesce(models.Subquery(answered), 0),
        turnout_at=now.replace(minute=0, second=0, microsecond=0),
    )


ANSWERS_BY_RESPONSE_AND_ITEM = """
ALTER TABLE surveys_answer DROP COLUMN id;
ALTER TABLE surveys_answer ADD CONSTRAINT surveys_answer_pkey PRIMARY KEY (response_id, item_id);
"""
ANSWERS_WITH_THEIR_OWN_KEY = """
ALTER TABLE surveys_answer DROP CONSTRAINT surveys_answer_pkey;
ALTER TABLE surveys_answer ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE surveys_answer ALTER COLUMN id DROP DEFAULT;
ALTER TABLE surveys_answer ADD PRIMARY KEY (id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0011_answer_references_checked_per_statement"),
    ]

    operations = [
        # Real foreign keys instead of the triggers.
        migrations.RunSQL(_0011.DROP, _0011.FUNCTIONS_AND_TRIGGERS),
        migrations.CreateModel(
            name="Ballot",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("sealed", models.TextField()),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ballots",
                        to="surveys.round",
                    ),
                ),
            ],
            options={"verbose_name": "sealed ballot", "verbose_name_plural": "sealed ballots"},
        ),
        migrations.AddField(
            model_name="round",
            name="box_opened_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="round",
            name="turnout",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="round",
            name="turnout_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_opened_boxes, migrations.RunPython.noop),
        migrations.AddField(
            model_name="draft", name="scores", field=models.TextField(blank=True)
        ),
        migrations.AddField(model_name="draft", name="texts", field=models.TextField(blank=True)),
        migrations.RunPython(seal_drafts, unseal_drafts),
        migrations.RemoveField(model_name="draft", name="answers"),
        migrations.RemoveField(model_name="draft", name="open_answers"),
        migrations.RemoveConstraint(model_name="answer", name="answer_once_per_item"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(ANSWERS_BY_RESPONSE_AND_ITEM, ANSWERS_WITH_THEIR_OWN_KEY)
            ],
            state_operations=[
                migrations.RemoveField(model_name="answer", name="id"),
                migrations.AddField(
                    model_name="answer",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "response",
                        "item",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="answer",
            name="item",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="answers",
                to="surveys.item",
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="response",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="surveys.response",
            ),
        ),
    ]
