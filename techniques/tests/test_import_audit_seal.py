"""An import's audit rows, written in bulk, are sealed into the chain as soon as the import commits,
like every row audit_record writes (issue 13 §7), not ten minutes later by the housekeeping timer."""

import io

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from techniques.models import Technique
from techniques.tests.test_spreadsheets import good, xlsx
from workflow.models import AuditEntry
from workflow.services import audit_verify


def test_the_rows_of_an_import_are_sealed_when_it_commits(live_world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "申报.xlsx"
    path.write_bytes(xlsx([good(**{"技术名称*": f"技术{n}"}) for n in range(3)]))
    # Committed for real (live_world is transactional): the seal runs on commit, as in production.
    out, err = io.StringIO(), io.StringIO()
    args = ["--entered-by", "sun", "--org", str(live_world.yanhu_health.pk)]
    call_command("import_techniques", str(path), *args, stdout=out, stderr=err)
    ids = [str(pk) for pk in Technique.objects.values_list("pk", flat=True)]
    rows = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Technique), object_id__in=ids, action=AuditEntry.Action.CREATE
    )
    assert rows.count() == 3
    assert not rows.filter(seq__isnull=True).exists()
    assert audit_verify()[0] == []
