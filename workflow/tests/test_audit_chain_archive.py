"""Retention (issue 13 §7): audit rows are kept at least six months; older ones leave the database
only through `archive_audit`, which exports them to a checked JSON-lines file and records the
archive before deleting, so the chain stays provable."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from chuancheng.test import as_table_owner
from workflow.models import AuditArchive, AuditEntry, AuditLogIsAppendOnly
from workflow.services import audit_archive_file_check, audit_seal, audit_verify


def _history() -> list[AuditEntry]:
    """Five rows from last year, then two from today, sealed in that order."""
    old = timezone.now() - timedelta(days=400)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(action=AuditEntry.Action.LOGIN, actor_label=f"old{i}", created_at=old + timedelta(minutes=i))
            for i in range(5)
        ]
        + [AuditEntry(action=AuditEntry.Action.LOGIN, actor_label=f"new{i}") for i in range(2)]
    )
    audit_seal()
    return list(AuditEntry.objects.order_by("seq"))


def _archive(*args: str) -> str:
    """archive_audit is the owner's command (deploy/postgres-roles.sql): it deletes what it archived."""
    out = StringIO()
    with as_table_owner():
        call_command("archive_audit", *args, stdout=out)
    return out.getvalue()


def _day(days_ago: int) -> str:
    return f"{timezone.localdate() - timedelta(days=days_ago):%Y-%m-%d}"


def test_old_rows_are_exported_checked_recorded_and_only_then_deleted(db, tmp_path):
    rows = _history()
    out = _archive("--before", _day(200), str(tmp_path))
    assert "归档 5 条 (seq 1–5)" in out
    archive = AuditArchive.objects.get()
    assert (archive.first_seq, archive.last_seq, archive.row_count) == (1, 5, 5)
    assert archive.last_hash == rows[4].chain_hash
    assert list(AuditEntry.objects.order_by("seq").values_list("actor_label", flat=True)) == ["new0", "new1"]
    exported = [json.loads(line) for line in (tmp_path / archive.file_name).read_text().splitlines()]
    assert [e["row"]["actor_label"] for e in exported] == [f"old{i}" for i in range(5)]
    assert audit_archive_file_check(tmp_path / archive.file_name, previous="0" * 64, first_seq=1) == archive.last_hash
    manifest = json.loads((tmp_path / f"{archive.file_name}.manifest.json").read_text())
    assert manifest["sha256"] == archive.file_sha256 and manifest["last_seq"] == 5
    findings, summary = audit_verify()
    assert findings == [] and summary["archived_to"] == 5 and summary["last_seq"] == 7
    # The chain goes on from the archive: new rows seal and verify, and a second archive joins.
    AuditEntry.objects.create(action=AuditEntry.Action.LOGOUT, actor_label="later")
    audit_seal()
    assert audit_verify()[0] == []


def test_rows_within_the_retention_period_are_never_archived(db, tmp_path):
    _history()
    with pytest.raises(CommandError) as excinfo:
        _archive("--before", _day(30), str(tmp_path))
    assert "至少保留 180 天" in str(excinfo.value)
    assert AuditEntry.objects.count() == 7 and not AuditArchive.objects.exists()
    with pytest.raises(CommandError) as excinfo:
        _archive("--before", "2026-13-01", str(tmp_path))
    assert "--before：日期格式应为 YYYY-MM-DD" in str(excinfo.value)


def test_keep_exports_without_deleting_and_the_chain_still_verifies(db, tmp_path):
    _history()
    _archive("--before", _day(200), "--keep", str(tmp_path))
    assert AuditEntry.objects.count() == 7
    assert audit_verify()[0] == []


def test_a_tampered_chain_is_not_archived(db, tmp_path):
    rows = _history()
    with as_table_owner(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE workflow_auditentry DISABLE TRIGGER workflow_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER workflow_auditentry_no_update")
        cursor.execute("UPDATE workflow_auditentry SET actor_label = 'someone' WHERE id = %s", [rows[2].pk])
    with pytest.raises(CommandError) as excinfo:
        _archive("--before", _day(200), str(tmp_path))
    assert "未归档" in str(excinfo.value)
    assert AuditEntry.objects.count() == 7 and not AuditArchive.objects.exists()


def test_a_made_up_archive_record_does_not_excuse_a_gap(db, tmp_path):
    _history()
    _archive("--before", _day(200), str(tmp_path))
    with as_table_owner():
        AuditArchive.objects.update(last_seq=6)  # as if row 6 had been archived too
    findings, _summary = audit_verify()
    assert [f.kind for f in findings if f.kind == "archive"] == ["archive"]


def test_rows_no_archive_covers_cannot_be_deleted(db):
    rows = _history()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=rows[0].pk).delete()
    if connection.vendor == "postgresql":
        # The database refuses raw SQL too (SQLite's test runner empties tables with DELETE, so
        # there the model's refusal is the guard: migration 0002).
        with (
            pytest.raises(Exception) as excinfo,
            transaction.atomic(),
            as_table_owner(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM workflow_auditentry WHERE id = %s", [rows[0].pk])
        assert "append-only" in str(excinfo.value)
    assert AuditEntry.objects.count() == 7


def test_a_shorter_retention_setting_does_not_shorten_the_six_months(db, tmp_path, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    _history()
    with pytest.raises(CommandError) as excinfo:
        _archive("--before", _day(60), str(tmp_path))
    assert "至少保留 180 天" in str(excinfo.value)
    settings.AUDIT_RETENTION_DAYS = 365
    with pytest.raises(CommandError) as excinfo:
        _archive("--before", _day(200), str(tmp_path))
    assert "至少保留 365 天" in str(excinfo.value)
    assert AuditEntry.objects.count() == 7
