"""Evaluations carry their technique's region (copied at opening), so that scoping an evaluation
list or the dashboard no longer reads each technique's row. Existing rows are filled from their
technique in one UPDATE; 0005 makes the column required (in a transaction of its own: on
PostgreSQL a table cannot be altered while the UPDATE's deferred foreign-key checks are pending)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_regions(apps, schema_editor):
    Evaluation = apps.get_model("evaluations", "Evaluation")
    Technique = apps.get_model("techniques", "Technique")
    db = schema_editor.connection.alias
    Evaluation.objects.using(db).update(
        region_id=Subquery(Technique.objects.using(db).filter(pk=OuterRef("technique_id")).values("region_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_cache_table"),
        ("evaluations", "0003_stage_indexes"),
        ("techniques", "0005_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="region",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="所在地区",
            ),
        ),
        migrations.RunPython(copy_regions, migrations.RunPython.noop),
    ]
