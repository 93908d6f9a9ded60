"""Translated texts through django-modeltranslation (schools.i18n): each text is declared once
on the model and registered in the app's translation.py, which keeps the columns <field>_nl
and <field>_en. The changes to those columns only restate them as modeltranslation describes
them (nothing changes in the database); the new plain column beside them, which nothing
reads, starts with the Dutch text."""

from django.db import migrations, models
from django.db.models import F

TEXTS = {
    'questionnairetemplate': ['name', 'intro'],
    'questionnaireversion': ['name', 'intro'],
    'templateitem': ['text', 'leader_text'],
    'item': ['text', 'leader_text'],
    'templateopenquestion': ['text'],
    'openquestion': ['text'],
}


def fill_plain_columns(apps, schema_editor):
    for model, fields in TEXTS.items():
        apps.get_model('surveys', model).objects.update(**{f: F(f"{f}_nl") for f in fields})


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0002_default_questionnaire'),
    ]

    operations = [
        migrations.AddField(
            model_name='item',
            name='leader_text',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AddField(
            model_name='item',
            name='text',
            field=models.CharField(default='', max_length=300, verbose_name='statement'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='openquestion',
            name='text',
            field=models.CharField(default='', max_length=300),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='questionnairetemplate',
            name='intro',
            field=models.TextField(blank=True, verbose_name='introduction'),
        ),
        migrations.AddField(
            model_name='questionnairetemplate',
            name='name',
            field=models.CharField(default='', max_length=200, verbose_name='name'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='questionnaireversion',
            name='intro',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='questionnaireversion',
            name='name',
            field=models.CharField(default='', max_length=200),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='templateitem',
            name='leader_text',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AddField(
            model_name='templateitem',
            name='text',
            field=models.CharField(default='', max_length=300, verbose_name='statement'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='templateopenquestion',
            name='text',
            field=models.CharField(default='', max_length=300, verbose_name='question'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='item',
            name='leader_text_en',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AlterField(
            model_name='item',
            name='leader_text_nl',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AlterField(
            model_name='item',
            name='text_en',
            field=models.CharField(max_length=300, verbose_name='statement'),
        ),
        migrations.AlterField(
            model_name='item',
            name='text_nl',
            field=models.CharField(max_length=300, verbose_name='statement'),
        ),
        migrations.AlterField(
            model_name='openquestion',
            name='text_en',
            field=models.CharField(max_length=300),
        ),
        migrations.AlterField(
            model_name='questionnairetemplate',
            name='intro_en',
            field=models.TextField(blank=True, verbose_name='introduction'),
        ),
        migrations.AlterField(
            model_name='questionnairetemplate',
            name='intro_nl',
            field=models.TextField(blank=True, verbose_name='introduction'),
        ),
        migrations.AlterField(
            model_name='questionnairetemplate',
            name='name_en',
            field=models.CharField(max_length=200, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='questionnairetemplate',
            name='name_nl',
            field=models.CharField(max_length=200, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='questionnaireversion',
            name='name_en',
            field=models.CharField(max_length=200),
        ),
        migrations.AlterField(
            model_name='templateitem',
            name='leader_text_en',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AlterField(
            model_name='templateitem',
            name='leader_text_nl',
            field=models.CharField(blank=True, help_text='The statement as the leader answers it: how I think my team sees it.', max_length=300, verbose_name="leader's version"),
        ),
        migrations.AlterField(
            model_name='templateitem',
            name='text_en',
            field=models.CharField(max_length=300, verbose_name='statement'),
        ),
        migrations.AlterField(
            model_name='templateitem',
            name='text_nl',
            field=models.CharField(max_length=300, verbose_name='statement'),
        ),
        migrations.AlterField(
            model_name='templateopenquestion',
            name='text_en',
            field=models.CharField(max_length=300, verbose_name='question'),
        ),
        migrations.AlterField(
            model_name='templateopenquestion',
            name='text_nl',
            field=models.CharField(max_length=300, verbose_name='question'),
        ),
        migrations.RunPython(fill_plain_columns, migrations.RunPython.noop),
    ]
