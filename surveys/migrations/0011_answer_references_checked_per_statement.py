"""The answers' references to their response and statement are checked once per statement
instead of once per row (see ``Answer`` in surveys/models.py). On PostgreSQL, triggers refuse
what the foreign keys refused: an answer whose response or statement does not exist, and
removing a response or statement that answers still refer to. (Migration 0012 replaces them
with foreign keys again.)"""

import django.db.models.deletion
from django.db import migrations, models

ANSWERS_REFER_TO_EXISTING_ROWS = """
CREATE FUNCTION surveys_answer_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM added
        WHERE NOT EXISTS (SELECT FROM surveys_response r WHERE r.id = added.response_id)
           OR NOT EXISTS (SELECT FROM surveys_item i WHERE i.id = added.item_id)
    ) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'an answer refers to a response or statement that does not exist';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER surveys_answer_inserted AFTER INSERT ON surveys_answer
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION surveys_answer_references_exist();
CREATE TRIGGER surveys_answer_updated AFTER UPDATE ON surveys_answer
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION surveys_answer_references_exist();
"""


def _unreferenced(table: str, column: str, what: str) -> str:
    """A row of ``table`` that answers refer to (by ``column``) stays: deleting it, or
    changing its id, is refused, as by the foreign key's NO ACTION."""
    return f"""
CREATE FUNCTION {table}_unreferenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM removed JOIN surveys_answer a ON a.{column} = removed.id
        WHERE NOT EXISTS (SELECT FROM {table} t WHERE t.id = removed.id)
    ) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'a {what} that answers still refer to cannot be removed';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER {table}_deleted AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_unreferenced();
CREATE TRIGGER {table}_updated AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION {table}_unreferenced();
"""


FUNCTIONS_AND_TRIGGERS = (
    ANSWERS_REFER_TO_EXISTING_ROWS
    + _unreferenced("surveys_response", "response_id", "response")
    + _unreferenced("surveys_item", "item_id", "statement")
)

DROP = """
DROP TRIGGER IF EXISTS surveys_item_updated ON surveys_item;
DROP TRIGGER IF EXISTS surveys_item_deleted ON surveys_item;
DROP TRIGGER IF EXISTS surveys_response_updated ON surveys_response;
DROP TRIGGER IF EXISTS surveys_response_deleted ON surveys_response;
DROP TRIGGER IF EXISTS surveys_answer_updated ON surveys_answer;
DROP TRIGGER IF EXISTS surveys_answer_inserted ON surveys_answer;
DROP FUNCTION IF EXISTS surveys_item_unreferenced();
DROP FUNCTION IF EXISTS surveys_response_unreferenced();
DROP FUNCTION IF EXISTS surveys_answer_references_exist();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0010_answers_indexed_by_response_and_item"),
    ]

    operations = [
        migrations.AlterField(
            model_name="answer",
            name="item",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="answers",
                to="surveys.item",
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="response",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="surveys.response",
            ),
        ),
        migrations.RunSQL(FUNCTIONS_AND_TRIGGERS, DROP),
    ]
