"""Loads China's administrative divisions (accounts/data/regions.csv; source in accounts/data/README.md)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "regions.csv"
SIGNIFICANT = {"province": 2, "city": 4, "county": 6}


def load(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Parents come before children in the file, so one bulk insert keeps the foreign keys valid.
    Region.objects.bulk_create(
        [
            Region(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent_id=row["parent"] or None,
                prefix=row["code"][: SIGNIFICANT.get(row["level"], len(row["code"]))],
            )
            for row in rows
        ],
        batch_size=2000,
    )


def unload(apps, schema_editor):
    apps.get_model("accounts", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
