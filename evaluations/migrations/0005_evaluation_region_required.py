"""Every evaluation has its region now (0004): the column becomes required, with the index the
dashboard counts from."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0004_evaluation_region")]

    operations = [
        migrations.AlterField(
            model_name="evaluation",
            name="region",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.region",
                verbose_name="所在地区",
            ),
        ),
        migrations.AddIndex(
            model_name="evaluation",
            index=models.Index(fields=["status", "region", "organization"], name="evaluation_scope"),
        ),
    ]
