"""Translated texts through django-modeltranslation (schools.i18n): each text is declared once
on the model and registered in the app's translation.py, which keeps the columns <field>_nl
and <field>_en. The changes to those columns only restate them as modeltranslation describes
them (nothing changes in the database); the new plain column beside them, which nothing
reads, starts with the Dutch text."""

from django.db import migrations, models
from django.db.models import F

TEXTS = {
    'theme': ['name', 'summary'],
    'recommendation': ['title', 'body'],
    'intervention': ['text'],
}


def fill_plain_columns(apps, schema_editor):
    for model, fields in TEXTS.items():
        apps.get_model('interventions', model).objects.update(**{f: F(f"{f}_nl") for f in fields})


class Migration(migrations.Migration):

    dependencies = [
        ('interventions', '0002_catalogue'),
    ]

    operations = [
        migrations.AddField(
            model_name='intervention',
            name='text',
            field=models.TextField(default='', verbose_name='text'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='recommendation',
            name='body',
            field=models.TextField(blank=True, verbose_name='text'),
        ),
        migrations.AddField(
            model_name='recommendation',
            name='title',
            field=models.CharField(default='', max_length=200, verbose_name='title'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='theme',
            name='name',
            field=models.CharField(default='', max_length=100, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='theme',
            name='summary',
            field=models.TextField(blank=True, verbose_name='summary'),
        ),
        migrations.AlterField(
            model_name='intervention',
            name='text_en',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='intervention',
            name='text_nl',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='recommendation',
            name='body_en',
            field=models.TextField(blank=True, verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='recommendation',
            name='body_nl',
            field=models.TextField(blank=True, verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='recommendation',
            name='title_en',
            field=models.CharField(max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='recommendation',
            name='title_nl',
            field=models.CharField(max_length=200, verbose_name='title'),
        ),
        migrations.AlterField(
            model_name='theme',
            name='name_en',
            field=models.CharField(max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='theme',
            name='name_nl',
            field=models.CharField(max_length=100, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='theme',
            name='summary_en',
            field=models.TextField(blank=True, verbose_name='summary'),
        ),
        migrations.AlterField(
            model_name='theme',
            name='summary_nl',
            field=models.TextField(blank=True, verbose_name='summary'),
        ),
        migrations.RunPython(fill_plain_columns, migrations.RunPython.noop),
    ]
