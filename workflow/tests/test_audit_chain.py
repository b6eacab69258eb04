"""The audit chain (issue 13 §7): every audit row is sealed into an HMAC chain right after its step
commits, and `verify_audit` proves the chain — an owner who rewrites, deletes or adds rows behind
the application's back is seen, with the row named."""

import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Organization, Region
from accounts.services import workstation_decide
from chuancheng.test import as_table_owner, build_world, ensure_regions
from workflow.models import AuditChainHead, AuditEntry, AuditKeyEpoch
from workflow.services import (
    GENESIS_HASH,
    audit_chain_hash,
    audit_key_fingerprint,
    audit_record,
    audit_seal,
    audit_verify,
    transitioned,
)

TABLE = "workflow_auditentry"


def _verify(*args: str) -> tuple[bool, str]:
    """Run verify_audit; (passed, what it printed)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def _without_triggers() -> None:
    """What the tables' owner can do and the application's role cannot (deploy/postgres-roles.sql):
    switch the append-only trigger off. Undone when the test's transaction rolls back."""
    with as_table_owner(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for no deferred foreign-key check of this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER workflow_auditentry_no_update")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DROP TRIGGER workflow_auditentry_no_update")


def _raw(sql: str, params=()) -> None:
    """A write straight to the tables, as their owner (the runtime role could not make it)."""
    with as_table_owner(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _some_history(world) -> list[AuditEntry]:
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="材料齐全")
    audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    audit_record(action=AuditEntry.Action.EXPORT, actor=world.sun, reason="导出名单")
    audit_seal()
    return list(AuditEntry.objects.order_by("seq"))


def test_a_fresh_world_verifies_clean(world):
    rows = _some_history(world)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(len(r.chain_hash) == 64 for r in rows)
    passed, out = _verify()
    assert passed, out
    assert "audit chain intact" in out and f"last seq {len(rows)}" in out


def test_verify_with_seal_seals_what_is_pending_and_passes(world):
    audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    assert AuditEntry.objects.filter(seq__isnull=True).exists()  # this test's transaction never commits
    passed, out = _verify("--seal")
    assert passed, out
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()


def test_a_reason_rewritten_by_the_owner_is_detected_with_the_row_id(world):
    rows = _some_history(world)
    target = next(r for r in rows if r.reason == "材料齐全")
    _without_triggers()
    _raw(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["材料不全", target.pk])
    passed, out = _verify()
    assert not passed
    assert f"[altered] row id {target.pk} (seq {target.seq}) was altered" in out
    assert out.count("[altered]") == 1  # the rows after it still link to its stored hash


def test_a_deleted_row_is_detected_as_a_gap(world):
    rows = _some_history(world)
    victim, after = rows[1], rows[2]
    _without_triggers()
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [victim.pk])
    passed, out = _verify()
    assert not passed
    assert f"[deleted] rows deleted: seq {victim.seq}..{victim.seq} missing (before row id {after.pk})" in out


def test_rows_cut_off_the_end_are_detected_against_the_head(world):
    rows = _some_history(world)
    _without_triggers()
    _raw(f"DELETE FROM {TABLE} WHERE seq >= %s", [rows[-2].seq])
    passed, out = _verify()
    assert not passed
    assert f"[deleted] rows deleted at the end: seq {rows[-2].seq}..{rows[-1].seq} missing" in out


def test_a_row_inserted_behind_the_chain_is_detected(world):
    rows = _some_history(world)
    forged = AuditEntry.objects.create(action=AuditEntry.Action.LOGIN, actor_label="ghost")
    _raw(f"UPDATE {TABLE} SET seq = %s, chain_hash = %s WHERE id = %s", [rows[-1].seq + 1, "f" * 64, forged.pk])
    passed, out = _verify()
    assert not passed
    assert f"[out_of_chain] row id {forged.pk} claims seq {rows[-1].seq + 1}, a place the chain never gave it" in out


def test_a_forged_hash_in_the_chain_is_detected_even_with_the_head_moved(world):
    rows = _some_history(world)
    forged = AuditEntry.objects.create(action=AuditEntry.Action.LOGIN, actor_label="ghost")
    seq = rows[-1].seq + 1
    _raw(f"UPDATE {TABLE} SET seq = %s, chain_hash = %s WHERE id = %s", [seq, "f" * 64, forged.pk])
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash="f" * 64)
    passed, out = _verify()
    assert not passed
    assert f"[altered] row id {forged.pk} (seq {seq}) was altered" in out


def test_an_old_unsealed_row_is_a_finding_until_sealed(world):
    _some_history(world)
    (stale,) = AuditEntry.objects.bulk_create(
        [AuditEntry(action=AuditEntry.Action.LOGIN, actor_label="wang", created_at=timezone.now() - timedelta(hours=1))]
    )
    stale_id = stale.pk or AuditEntry.objects.get(actor_label="wang", seq__isnull=True).pk
    passed, out = _verify()
    assert not passed
    assert f"[unsealed] row id {stale_id} is still unsealed" in out
    assert _verify("--seal")[0]


def test_the_triggers_let_the_seal_through_and_nothing_else(world):
    rows = _some_history(world)
    sealed = rows[0]
    for sql, params in [
        (f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [999, sealed.pk]),  # a sealed row is never resealed
        (f"UPDATE {TABLE} SET chain_hash = %s WHERE id = %s", ["0" * 64, sealed.pk]),
    ]:
        with pytest.raises(Exception) as excinfo, transaction.atomic():
            _raw(sql, params)
        assert "append-only" in str(excinfo.value)
    pending = audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    with pytest.raises(Exception) as excinfo, transaction.atomic():  # sealing while rewriting
        _raw(
            f"UPDATE {TABLE} SET seq = %s, chain_hash = %s, reason = %s WHERE id = %s", [99, "a" * 64, "x", pending.pk]
        )
    assert "append-only" in str(excinfo.value)
    assert audit_seal() == 1
    assert _verify()[0]


def test_a_lost_head_is_rebuilt_from_the_last_sealed_row(world):
    rows = _some_history(world)
    with as_table_owner():
        AuditChainHead.objects.all().delete()
    audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    assert audit_seal() == 1
    assert AuditEntry.objects.order_by("-seq").first().seq == rows[-1].seq + 1
    assert _verify()[0]


# --- sealed after commit, steps running at once ----------------------------------------------------


@pytest.fixture
def committed_world(transactional_db):
    ensure_regions()
    return build_world()


def test_a_committed_step_is_sealed_at_once_and_a_refused_one_too(committed_world):
    world = committed_world
    with pytest.raises(Exception):  # noqa: B017  (refused: zhou has no role at the host)
        workstation_decide(workstation=world.workstation, actor=world.zhou, approve=True, reason="越权")
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="同意")
    denied = AuditEntry.objects.get(outcome="denied", object_id=str(world.workstation.pk))
    done = AuditEntry.objects.get(outcome="success", action="transition", object_id=str(world.workstation.pk))
    assert denied.seq is not None and done.seq == denied.seq + 1
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    assert _verify()[0]


def test_two_steps_at_once_are_both_sealed_with_distinct_seq(committed_world):
    """On PostgreSQL both steps hold their transactions open at the same moment, audit rows
    written (a barrier inside the step): nothing serialises them until commit. SQLite lets one
    writer in at a time, so there the second step waits its turn (retried on "locked")."""
    world = committed_world
    second = accounts_services.organization_create(
        name="项目运城工作站",
        kind=Organization.Kind.WORKSTATION,
        region=Region.objects.get(code="140802"),
        host=world.host,
        filed_with=world.guide,
    )
    both_inside = threading.Barrier(2) if connection.vendor == "postgresql" else None

    def hold(sender, **kwargs):
        if both_inside is not None:
            both_inside.wait(timeout=20)

    outcomes: list = [None, None]
    start = threading.Barrier(2)

    def run(i, workstation):
        try:
            start.wait(timeout=20)
            for _attempt in range(200):
                try:
                    outcomes[i] = workstation_decide(
                        workstation=workstation, actor=world.zhao, approve=True, reason=f"第{i}"
                    )
                    break
                except OperationalError as exc:  # SQLite's shared test database: one writer at a time
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.02)
        except Exception as exc:  # noqa: BLE001  (the outcome under test)
            outcomes[i] = exc
        finally:
            connection.close()

    transitioned.connect(hold, sender=Organization, dispatch_uid="audit-chain-test")
    try:
        threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate([world.workstation, second])]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        transitioned.disconnect(sender=Organization, dispatch_uid="audit-chain-test")
    assert all(isinstance(o, Organization) for o in outcomes), outcomes
    rows = AuditEntry.objects.filter(action="transition", object_id__in=[str(world.workstation.pk), str(second.pk)])
    seqs = [r.seq for r in rows]
    assert len(seqs) == 2 and None not in seqs and len(set(seqs)) == 2
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
    findings, summary = audit_verify()
    assert findings == [] and summary["last_seq"] == AuditEntry.objects.count()


def test_the_chain_is_keyed_so_rehashing_without_the_key_is_seen(world, settings):
    settings.AUDIT_CHAIN_KEY = "the installation's own key"
    rows = _some_history(world)
    # The owner rewrites a row and seals the chain again under a key of their own guessing.
    guessed = b"a key the database's owner might guess"
    _without_triggers()
    _raw(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["材料不全", rows[0].pk])
    previous = GENESIS_HASH
    for row in AuditEntry.objects.order_by("seq").values(*AuditEntry.CHAINED_FIELDS, "seq"):
        previous = audit_chain_hash(row, previous, guessed)
        _raw(f"UPDATE {TABLE} SET chain_hash = %s WHERE id = %s", [previous, row["id"]])
    _raw("UPDATE workflow_auditchainhead SET last_hash = %s", [previous])
    findings, _summary = audit_verify()
    assert [f.entry_id for f in findings if f.kind == "altered"] == [r.pk for r in rows]


# --- rotating the chain key --------------------------------------------------------------------------


def test_a_rotated_key_seals_on_and_the_rows_before_verify_with_the_retired_key(world, settings):
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_RETIRED_KEYS = "key of 2026", []
    before = _some_history(world)
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_RETIRED_KEYS = "key of 2027", ["key of 2026"]
    audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    assert audit_seal() == 1
    epochs = list(AuditKeyEpoch.objects.values_list("first_seq", "fingerprint"))
    assert epochs == [
        (1, audit_key_fingerprint(b"key of 2026")),
        (before[-1].seq + 1, audit_key_fingerprint(b"key of 2027")),
    ]
    assert _verify()[0]
    # The database keeps fingerprints, never a key.
    assert not AuditKeyEpoch.objects.filter(fingerprint__contains="2026").exists()


def test_without_the_retired_key_the_older_rows_cannot_be_proved_and_verify_says_so(world, settings):
    settings.AUDIT_CHAIN_KEY = "key of 2026"
    rows = _some_history(world)
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_RETIRED_KEYS = "key of 2027", []
    findings, _summary = audit_verify()
    assert [(f.kind, f.entry_id) for f in findings] == [("key", rows[0].pk)]
    assert audit_key_fingerprint(b"key of 2026") in findings[0].message


def test_moving_the_rotation_point_is_detected(world, settings):
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_RETIRED_KEYS = "key of 2026", []
    before = _some_history(world)
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_RETIRED_KEYS = "key of 2027", ["key of 2026"]
    audit_record(action=AuditEntry.Action.LOGIN, actor=world.wang)
    audit_seal()
    # The owner claims the new key began one row earlier: that row no longer proves.
    with as_table_owner():
        AuditKeyEpoch.objects.filter(first_seq=before[-1].seq + 1).update(first_seq=before[-1].seq)
    findings, _summary = audit_verify()
    assert [(f.kind, f.entry_id) for f in findings] == [("altered", before[-1].pk)]
