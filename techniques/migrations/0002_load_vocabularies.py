"""Loads the classification vocabularies (techniques/data/README.md cites the sources)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"

# Categories of folk techniques, with whether each is drug- or operation-based (003 §三(四).15).
CATEGORIES = [
    ("内服方药（验方、秘方）", "drug"),
    ("外用方药（膏药、散剂、敷贴）", "drug"),
    ("熏洗药浴", "drug"),
    ("针刺疗法", "operation"),
    ("灸法", "operation"),
    ("推拿按摩", "operation"),
    ("正骨理筋", "operation"),
    ("刮痧", "operation"),
    ("拔罐", "operation"),
    ("刺络放血", "operation"),
    ("小儿推拿", "operation"),
    ("其他疗法", ""),
]
INHERITANCE = ["家族传承", "师承", "自学", "其他"]


def _names(filename: str) -> list[str]:
    with (DATA / filename).open(encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        seen, names = set(), []
        for row in reader:
            name = row[0].strip()
            if name and name not in seen and len(name) <= 64:
                seen.add(name)
                names.append(name)
        return names


def load(apps, schema_editor):
    Term = apps.get_model("techniques", "Term")
    terms = [Term(vocabulary="category", name=n, basis=b, sort_order=i) for i, (n, b) in enumerate(CATEGORIES)]
    terms += [Term(vocabulary="inheritance", name=n, sort_order=i) for i, n in enumerate(INHERITANCE)]
    terms += [Term(vocabulary="feature", name=n) for n in _names("therapeutic_methods.csv")]
    terms += [Term(vocabulary="disease", name=n) for n in _names("disease_names.csv")]
    terms += [Term(vocabulary="syndrome", name=n) for n in _names("syndrome_names.csv")]
    Term.objects.bulk_create(terms, batch_size=2000)


def unload(apps, schema_editor):
    apps.get_model("techniques", "Term").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("techniques", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
