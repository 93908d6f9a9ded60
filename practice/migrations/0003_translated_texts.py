"""Translated texts through django-modeltranslation (schools.i18n): each text is declared once
on the model and registered in the app's translation.py, which keeps the columns <field>_nl
and <field>_en. The changes to those columns only restate them as modeltranslation describes
them (nothing changes in the database); the new plain column beside them, which nothing
reads, starts with the Dutch text."""

from django.db import migrations, models
from django.db.models import F

TEXTS = {
    'format': ['title', 'purpose', 'roles', 'phrases', 'pitfalls'],
    'formatstep': ['title', 'instruction', 'prompt'],
}


def fill_plain_columns(apps, schema_editor):
    for model, fields in TEXTS.items():
        apps.get_model('practice', model).objects.update(**{f: F(f"{f}_nl") for f in fields})


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0002_library'),
    ]

    operations = [
        migrations.AddField(
            model_name='format',
            name='phrases',
            field=models.TextField(default='', help_text='One per line.', verbose_name='example phrases'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='format',
            name='pitfalls',
            field=models.TextField(default='', help_text='One per line.', verbose_name='pitfalls'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='format',
            name='purpose',
            field=models.TextField(default='', verbose_name='purpose'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='format',
            name='roles',
            field=models.TextField(default='', help_text='One role per line.', verbose_name='roles'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='format',
            name='title',
            field=models.CharField(default='', max_length=120, verbose_name='title'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='formatstep',
            name='instruction',
            field=models.TextField(default='', verbose_name='instruction'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='formatstep',
            name='prompt',
            field=models.CharField(blank=True, max_length=200, verbose_name='question for phones'),
        ),
        migrations.AddField(
            model_name='formatstep',
            name='title',
            field=models.CharField(default='', max_length=120, verbose_name='title'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='format',
            name='phrases_en',
            field=models.TextField(help_text='One per line.', verbose_name='example phrases'),
        ),
        migrations.AlterField(
            model_name='format',
            name='phrases_nl',
            field=models.TextField(help_text='One per line.', verbose_name='example phrases'),
        ),
        migrations.AlterField(
            model_name='format',
            name='pitfalls_en',
            field=models.TextField(help_text='One per line.', verbose_name='pitfalls'),
        ),
        migrations.AlterField(
            model_name='format',
            name='pitfalls_nl',
            field=models.TextField(help_text='One per line.', verbose_name='pitfalls'),
        ),
        migrations.AlterField(
            model_name='format',
            name='purpose_en',
            field=models.TextField(verbose_name='purpose'),
        ),
        migrations.AlterField(
            model_name='format',
            name='purpose_nl',
            field=models.TextField(verbose_name='purpose'),
        ),
        migrations.AlterField(
            model_name='format',
            name='roles_en',
            field=models.TextField(help_text='One role per line.', verbose_name='roles'),
        ),
        migrations.AlterField(
            model_name='format',
            name='roles_nl',
            field=models.TextField(help_text='One role per line.', verbose_name='roles'),
        ),
        migrations.AlterField(
            model_name='format',
            name='title_en',
            field=models.CharField(max_length=120, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='format',
            name='title_nl',
            field=models.CharField(max_length=120, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='instruction_en',
            field=models.TextField(verbose_name='instruction'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='instruction_nl',
            field=models.TextField(verbose_name='instruction'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='prompt_en',
            field=models.CharField(blank=True, max_length=200, verbose_name='question for phones'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='prompt_nl',
            field=models.CharField(blank=True, max_length=200, verbose_name='question for phones'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='title_en',
            field=models.CharField(max_length=120, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='formatstep',
            name='title_nl',
            field=models.CharField(max_length=120, verbose_name='title'),
        ),
        migrations.RunPython(fill_plain_columns, migrations.RunPython.noop),
    ]
