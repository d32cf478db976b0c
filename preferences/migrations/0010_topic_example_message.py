"""An example message (subject and first lines, French and English) per topic, editable in the admin;
the product's topics get one where nothing is written yet."""

from django.db import migrations, models


def examples_fill(apps, schema_editor):
    # In-function import: a migration reads the defaults as they are when it runs, like 0003.
    from preferences.catalog_defaults import TOPIC_EXAMPLES

    Topic = apps.get_model("preferences", "Topic")
    for code, example in TOPIC_EXAMPLES.items():
        Topic.objects.filter(code=code, example_subject_fr="", example_subject_en="").update(**example)


class Migration(migrations.Migration):

    dependencies = [
        ('preferences', '0009_customer_marketing_paused_until'),
    ]

    operations = [
        migrations.AddField(
            model_name='topic',
            name='example_body_en',
            field=models.TextField(blank=True, verbose_name='example first lines (English)'),
        ),
        migrations.AddField(
            model_name='topic',
            name='example_body_fr',
            field=models.TextField(blank=True, verbose_name='example first lines (French)'),
        ),
        migrations.AddField(
            model_name='topic',
            name='example_subject_en',
            field=models.CharField(blank=True, max_length=200, verbose_name='example subject (English)'),
        ),
        migrations.AddField(
            model_name='topic',
            name='example_subject_fr',
            field=models.CharField(blank=True, max_length=200, verbose_name='example subject (French)'),
        ),
        migrations.RunPython(examples_fill, migrations.RunPython.noop),
    ]
