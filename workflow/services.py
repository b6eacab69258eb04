"""The workflow core: every state change of every record is a step inside a service.

A service opens `workflow.atomic()`, locks the row with `workflow.lock(obj)`, calls
`workflow.transition(locked, to, actor=…, reason=…, expect=…)` and then does the rest of its work
in plain code. The model's `TRANSITIONS` table ({from: {to: act}}) is the single source of truth:

- `transition()` checks scope (404), the state the person saw (`AlreadyDecided`), the table
  (`TransitionNotAllowed`) and the act (403), saves the state field and writes the audit row;
- `moves(obj, user)` gives the buttons a page shows (one include: templates/workflow/_moves.html);
- `waiting_for(user)` gives the workbench's to-do list;
- the model's `NOTIFY` map ({to_state: Notice(…)}) says who hears of each arrival: when the
  outermost `workflow.atomic()` block finishes its work, `transitioned` is sent once per change and
  the receiver in notifications writes the notices in the same transaction (a rolled-back step
  announces nothing) and mails them after commit.

A refused move is history too: its audit row is written when the outermost block has rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Model
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import ACTS, authorize, can, reaches, scope
from lib.errors import ApplicationError, ConflictError
from workflow.context import current_ip
from workflow.maps import Notice
from workflow.models import AuditArchive, AuditChainHead, AuditEntry, AuditKeyEpoch

logger = logging.getLogger(__name__)

# Sent once per state change when the service's outermost workflow.atomic() block has done all
# its work, still inside its transaction: receivers write in that transaction, so a change that
# is rolled back announces nothing, and they see what the service wrote after the move (a
# certificate's number, a score's total).
# One signal per model and arrival state within a step; `changes` lists every record that arrived
# there ({obj, from_state, to_state, actor, reason}), `obj` etc. describe the first of them.
transitioned = Signal()  # sender=model, obj, from_state, to_state, actor, reason, changes


class TransitionNotAllowed(ConflictError):
    pass


class AlreadyDecided(TransitionNotAllowed):
    """The row moved on between the person's page and their decision: someone else decided."""

    def __init__(self, model: type[Model], current):
        super().__init__(
            _("该事项已由其他人员处理，当前状态为「%(state)s」，您的操作未执行。请刷新页面查看最新结果。")
            % {"state": state_label(model, current)}
        )


# --- steps ------------------------------------------------------------------------------------


@dataclass
class _Step:
    """What one outermost workflow.atomic() block has collected."""

    changes: list[dict] = dataclass_field(default_factory=list)
    denials: list[dict] = dataclass_field(default_factory=list)
    # The callers' copies that transition() moved along, with what they showed before: put back
    # when the block that moved them rolls back, so no copy shows a state the database never kept.
    origins: list[tuple] = dataclass_field(default_factory=list)

    def undo_origins(self, mark: int = 0) -> None:
        for origin, field, state, updated_at in reversed(self.origins[mark:]):
            setattr(origin, field, state)
            if updated_at is not None:
                origin.updated_at = updated_at
        del self.origins[mark:]


_step: ContextVar[_Step | None] = ContextVar("workflow_step", default=None)


@contextmanager
def atomic() -> Iterator[None]:
    """transaction.atomic() for services that change state; usable as a decorator too.

    The outermost block announces the changes made inside it when its work is done (before
    commit), and writes the audit rows of refused moves after it has rolled back."""
    outer = _step.get()
    if outer is not None:
        mark, origins_mark = len(outer.changes), len(outer.origins)
        try:
            with transaction.atomic():
                yield
        except BaseException:
            del outer.changes[mark:]  # this savepoint's changes were rolled back
            outer.undo_origins(origins_mark)
            raise
        return
    step = _Step()
    token = _step.set(step)
    try:
        with transaction.atomic():
            yield
            _announce(step)
    except BaseException:
        _step.reset(token)
        token = None
        step.undo_origins()
        _write_denials(step)
        raise
    finally:
        if token is not None:
            _step.reset(token)
    _write_denials(step)


def _announce(step: _Step) -> None:
    """One signal per (model, arrival state) of the step, carrying every change in that group: a
    step that moves a thousand rows (a spreadsheet import) is announced as one event, so a
    receiver can tell each person once about all of them."""
    # A receiver may itself move a record (rarely); its changes are announced in turn.
    while step.changes:
        groups: dict[tuple, list[dict]] = {}
        for change in step.changes:
            groups.setdefault((type(change["obj"]), change["to_state"]), []).append(change)
        step.changes.clear()
        for (model, to_state), changes in groups.items():
            first = changes[0]
            transitioned.send(
                sender=model,
                obj=first["obj"],
                from_state=first["from_state"],
                to_state=to_state,
                actor=first["actor"],
                reason=first["reason"],
                changes=changes,
            )


def _write_denials(step: _Step) -> None:
    for denial in step.denials:
        audit_record(**denial)
    step.denials.clear()


def lock(obj: Model) -> Model:
    """The row, read again and locked for the rest of the transaction: two people acting at once
    cannot both pass a check. The state the caller's copy showed is what they saw (expect=)."""
    if _step.get() is None:
        raise RuntimeError("workflow.lock() runs inside workflow.atomic()")
    model = type(obj)
    locked = model._default_manager.select_for_update().get(pk=obj.pk)
    state_field = _state_field(model)
    locked._workflow_seen = getattr(obj, state_field)
    locked._workflow_origin = obj
    return locked


def _state_field(model: type[Model], field: str | None = None) -> str:
    return field or getattr(model, "TRANSITION_FIELD", "status")


def transition(locked: Model, to, *, actor, reason: str = "", expect=None, field: str | None = None) -> Model:
    """Move the locked row to state `to`, inside the service's workflow.atomic() block.

    Order of checks: scope (404 — the record does not exist for this person), the state the
    person saw (`expect`, by default the state of the copy that was locked: AlreadyDecided), the
    table (TransitionNotAllowed), the act (403). Saves only the state field (and updated_at),
    writes the audit row and queues the announcement. The caller's original copy follows."""
    step = _step.get()
    if step is None or not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workflow.transition() runs inside workflow.atomic()")
    if not hasattr(locked, "_workflow_seen"):
        raise RuntimeError("workflow.transition() takes the row returned by workflow.lock()")
    model = type(locked)
    field = _state_field(model, field)
    current = getattr(locked, field)
    seen = locked._workflow_seen if expect is None else expect
    try:
        act = model.TRANSITIONS.get(current, {}).get(to)
        if not reaches(actor, locked):
            raise Http404
        if current != seen:
            raise AlreadyDecided(model, current)
        if act is None:
            raise TransitionNotAllowed(
                _("当前状态为「%(current)s」，不能变更为「%(to)s」")
                % {"current": state_label(model, current), "to": state_label(model, to)}
            )
        authorize(actor, act, locked)
    except (ApplicationError, PermissionDenied, Http404) as exc:
        step.denials.append(_denial(locked, actor=actor, seen=seen, to=to, reason=reason, exc=exc))
        raise
    setattr(locked, field, to)
    update_fields = [field]
    if any(f.name == "updated_at" for f in model._meta.fields):
        update_fields.append("updated_at")
    locked.save(update_fields=update_fields)
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=locked,
        from_state=state_label(model, current),
        to_state=state_label(model, to),
        reason=reason,
    )
    locked._workflow_seen = to
    origin = getattr(locked, "_workflow_origin", None)
    if origin is not None and origin is not locked:
        step.origins.append((origin, field, getattr(origin, field), getattr(origin, "updated_at", None)))
        setattr(origin, field, to)
        if "updated_at" in update_fields:
            origin.updated_at = locked.updated_at
    step.changes.append({"obj": locked, "from_state": current, "to_state": to, "actor": actor, "reason": reason})
    return locked


def _denial(obj: Model, *, actor, seen, to, reason: str, exc: Exception) -> dict:
    message = getattr(exc, "message", None) or str(exc) or _("不在权限范围内")
    model = type(obj)
    return {
        "action": AuditEntry.Action.TRANSITION,
        "actor": actor,
        "obj": obj,
        "from_state": state_label(model, seen),
        "to_state": state_label(model, to),
        "reason": f"{reason}（未执行：{message}）",
        "outcome": AuditEntry.Outcome.DENIED,
    }


def audit_refused_move(obj: Model, to, *, actor, reason: str = "", exc: Exception) -> None:
    """A move refused before its service ran (the record is outside the person's scope): on
    record as transition() keeps the moves it refuses."""
    seen = getattr(obj, _state_field(type(obj)))
    audit_record(**_denial(obj, actor=actor, seen=seen, to=to, reason=reason, exc=exc))


# --- labels and the audit writer ----------------------------------------------------------------


def state_label(model: type[Model], state) -> str:
    # Audit rows and domain messages are recorded in Chinese whatever the reader's language:
    # the log is a legal record and must read the same for everyone.
    with translation.override("zh-hans"):
        return state_label_in_current_language(model, state)


def state_label_in_current_language(model: type[Model], state) -> str:
    labels = getattr(model, "STATE_LABELS", None)
    if labels and state in labels:
        return str(labels[state])
    try:
        choices = dict(model._meta.get_field(_state_field(model)).flatchoices)
    except Exception:  # a model whose state is not a choices field
        choices = {}
    return str(choices.get(state, state))


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj: Model | None = None,
    organization=None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    outcome: str = AuditEntry.Outcome.SUCCESS,
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit row, unsealed, in the caller's transaction; it is sealed into the chain
    right after commit (audit_seal). Every text is cleaned first (audit_text): a probe that puts
    a NUL byte in a field must not turn its own audit row into a 500 on PostgreSQL, nor a control
    sequence rewrite what an operator's terminal shows of the log."""
    if organization is None and obj is not None and hasattr(obj, "audit_organization"):
        organization = obj.audit_organization()
    username = actor.get_username() if actor is not None and actor.is_authenticated else ""
    entry = AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=audit_text(actor_label or username)[:150],
        organization=organization,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=audit_text(str(obj.pk))[:64] if obj is not None else "",
        object_repr=audit_text(str(obj))[:200] if obj is not None else "",
        from_state=audit_text(str(from_state))[:40],
        to_state=audit_text(str(to_state))[:40],
        reason=audit_text(reason),
        outcome=outcome,
        ip=ip if ip is not None else current_ip(),
    )
    audit_seal_after_commit()
    return entry


# ANSI escape sequences (CSI … final byte, OSC … BEL/ST) go whole, not just their ESC byte.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that make a
# line read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def audit_text(value) -> str:
    """`value` as text fit for the audit log: line breaks kept as \\n, tabs kept, every other
    control character (NUL included) and every terminal escape sequence removed."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ANSI.sub("", text))


# --- the audit chain (issue 13 §7) ----------------------------------------------------------------
#
# A row is written unsealed inside its step's transaction. Right after that transaction commits,
# audit_seal() opens a short one of its own, locks the chain head (one row, SELECT … FOR UPDATE;
# on SQLite the IMMEDIATE transaction's write lock), and seals every committed unsealed row in id
# order: the next seq, and chain_hash = HMAC-SHA256(key, previous chain_hash + "\n" + the row's
# canonical JSON). Steps therefore never wait for one another's commit; only sealers queue, for
# milliseconds. `verify_audit --seal` (run it from cron or a systemd timer) seals whatever an
# interrupted process left, then verifies.

GENESIS_HASH = "0" * 64
SEAL_BATCH = 2000


def audit_chain_key() -> bytes:
    """AUDIT_CHAIN_KEY when set (recommended: a secret of its own, kept apart from the database so
    that whoever can write the tables cannot forge a seal), else derived from SECRET_KEY. Read
    from the settings, else from the environment (docs/security.md)."""
    key = getattr(settings, "AUDIT_CHAIN_KEY", "") or os.environ.get("AUDIT_CHAIN_KEY", "")
    if key:
        return key.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"chuancheng.workflow.audit-chain", hashlib.sha256).digest()


def audit_key_fingerprint(key: bytes) -> str:
    """What the database keeps of a key: enough to tell keys apart, nothing to seal with."""
    return hmac.new(key, b"chuancheng.workflow.audit-key-fingerprint", hashlib.sha256).hexdigest()[:16]


@dataclass
class AuditKeyRing:
    """The chain's keys: the one that seals now and the retired ones, by fingerprint, and which
    of them sealed each stretch of the chain (AuditKeyEpoch)."""

    current: bytes
    known: dict[str, bytes]
    epochs: list[tuple[int, str]]  # (first_seq, fingerprint), ascending

    def fingerprint_for(self, seq: int) -> str:
        """The fingerprint of the key that sealed `seq`; the current key's before any epoch (a
        chain sealed before epochs were kept)."""
        found = audit_key_fingerprint(self.current)
        for first_seq, fingerprint in self.epochs:
            if first_seq > seq:
                break
            found = fingerprint
        return found

    def key_for(self, seq: int) -> bytes | None:
        return self.known.get(self.fingerprint_for(seq))


def audit_key_ring() -> AuditKeyRing:
    current = audit_chain_key()
    known = {audit_key_fingerprint(current): current}
    for retired in getattr(settings, "AUDIT_CHAIN_RETIRED_KEYS", []):
        known.setdefault(audit_key_fingerprint(retired.strip().encode()), retired.strip().encode())
    epochs = list(AuditKeyEpoch.objects.order_by("first_seq").values_list("first_seq", "fingerprint"))
    return AuditKeyRing(current=current, known=known, epochs=epochs)


def audit_canonical(row: dict) -> str:
    """The canonical form of a row (a dict with AuditEntry.CHAINED_FIELDS and seq): compact JSON,
    keys sorted, times in UTC to the microsecond."""
    data = {}
    for name in (*AuditEntry.CHAINED_FIELDS, "seq"):
        value = row[name]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        data[name] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def audit_chain_hash(row: dict, previous: str, key: bytes | None = None) -> str:
    message = f"{previous}\n{audit_canonical(row)}".encode()
    return hmac.new(key or audit_chain_key(), message, hashlib.sha256).hexdigest()


def _chain_head():
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        # The head row is made on first use (a flushed test database has none); it starts from the
        # last sealed row, or the last archive, so a lost head never restarts the numbering.
        last = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq").values("seq", "chain_hash").first()
        archive = _last_archive()
        if last is None and archive is not None:
            last = {"seq": archive.last_seq, "chain_hash": archive.last_hash}
        defaults = {"last_seq": last["seq"], "last_hash": last["chain_hash"]} if last else {}
        try:
            with transaction.atomic():
                AuditChainHead.objects.get_or_create(pk=1, defaults=defaults)
        except IntegrityError:  # another sealer made it first
            pass
    return AuditChainHead.objects.select_for_update().get(pk=1)


def _key_epoch_begin(head, key: bytes) -> None:
    """Under the locked head: when the key that is about to seal is not the one that sealed the
    last stretch, the chain records from which seq the new key holds. The first seal ever (or the
    first since epochs are kept) records the key of seq 1."""
    fingerprint = audit_key_fingerprint(key)
    last = AuditKeyEpoch.objects.order_by("-first_seq").values_list("fingerprint", flat=True).first()
    if last == fingerprint:
        return
    first_seq = 1 if last is None else head.last_seq + 1
    AuditKeyEpoch.objects.create(first_seq=first_seq, fingerprint=fingerprint)


def _last_archive():
    return AuditArchive.objects.order_by("-last_seq").first()


def audit_seal(*, limit: int | None = None) -> int:
    """Seal the committed unsealed audit rows in id order; returns how many were sealed. Each batch
    is its own short transaction holding the chain head."""
    key = audit_chain_key()
    sealed = 0
    while limit is None or sealed < limit:
        count = _seal_batch(SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed), key)
        if not count:
            break
        sealed += count
    return sealed


def _seal_batch(batch: int, key: bytes) -> int:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    for attempt in range(100):
        try:
            with transaction.atomic():
                head = _chain_head()
                rows = list(
                    AuditEntry.objects.filter(seq__isnull=True)
                    .order_by("id")
                    .values(*AuditEntry.CHAINED_FIELDS)[:batch]
                )
                if not rows:
                    return 0
                _key_epoch_begin(head, key)
                seq, previous, params = head.last_seq, head.last_hash or GENESIS_HASH, []
                for row in rows:
                    seq += 1
                    row["seq"] = seq
                    previous = audit_chain_hash(row, previous, key)
                    params.append((seq, previous, row["id"]))
                with connection.cursor() as cursor:
                    # Raw SQL: the model refuses every update; the triggers let exactly this through.
                    cursor.executemany(
                        f"UPDATE {table} SET seq = %s, chain_hash = %s WHERE id = %s AND seq IS NULL",  # noqa: S608
                        params,
                    )
                head.last_seq, head.last_hash = seq, previous
                head.save(update_fields=["last_seq", "last_hash", "updated_at"])
                return len(rows)
        except OperationalError as exc:
            # SQLite's shared in-memory database (tests) answers "table is locked" at once instead
            # of waiting for the other writer; wait a moment and take the head again.
            if connection.vendor != "sqlite" or "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.02)
    return 0


def _seal_now() -> None:
    audit_seal(limit=SEAL_BATCH)


def audit_seal_after_commit() -> None:
    """Seal once after the current transaction commits (at once outside a transaction); for
    writers that bulk-create audit rows instead of calling audit_record, too. A failure to seal is
    logged, never raised into a request whose work has committed: the rows stay unsealed for
    `verify_audit --seal`, and verify_audit reports them if they stay so."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is _seal_now for entry in conn.run_on_commit):
        return
    transaction.on_commit(_seal_now, robust=True)


@dataclass(frozen=True)
class AuditFinding:
    kind: str  # altered, deleted, out_of_chain, unsealed, head, archive
    message: str
    entry_id: int | None = None


AUDIT_SEAL_GRACE = timedelta(minutes=5)


def audit_verify(*, grace: timedelta = AUDIT_SEAL_GRACE) -> tuple[list[AuditFinding], dict]:
    """Walk the chain in seq order and say what does not hold: rows whose content no longer gives
    their hash (altered), missing seqs (deleted), rows that claim a place the chain never gave
    (out_of_chain), rows left unsealed longer than `grace`, a head that does not match the last
    row, an archive record that is not ours. Returns (findings, summary)."""
    ring = audit_key_ring()
    findings: list[AuditFinding] = []
    archives = list(AuditArchive.objects.order_by("first_seq"))
    archived_to = 0
    for archive in archives:
        if not any(
            hmac.compare_digest(archive.signature, audit_archive_signature(archive, key)) for key in ring.known.values()
        ):
            findings.append(
                AuditFinding(
                    "archive", f"archive record {archive.pk} ({archive.file_name}) is not signed by the chain key"
                )
            )
        if archive.first_seq != archived_to + 1:
            findings.append(
                AuditFinding(
                    "deleted", f"archives do not join: seq {archived_to + 1}..{archive.first_seq - 1} are in no archive"
                )
            )
        archived_to = archive.last_seq
    by_first = {archive.first_seq: archive for archive in archives}
    by_last = {archive.last_seq: archive for archive in archives}
    head = AuditChainHead.objects.filter(pk=1).first()
    expected, previous, checked, last_id = 1, GENESIS_HASH, 0, None
    unknown_keys: set[str] = set()

    def past_archives(seq: int) -> None:
        # Rows an archive took away: the chain goes on from the archive's last hash.
        nonlocal expected, previous
        while expected < seq and expected in by_first:
            archive = by_first[expected]
            expected, previous = archive.last_seq + 1, archive.last_hash

    rows = (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values(*AuditEntry.CHAINED_FIELDS, "seq", "chain_hash")
    )
    for row in rows.iterator(chunk_size=2000):
        checked += 1
        past_archives(row["seq"])
        if row["seq"] < expected or head is None or row["seq"] > head.last_seq:
            findings.append(
                AuditFinding(
                    "out_of_chain",
                    f"row id {row['id']} claims seq {row['seq']}, a place the chain never gave it",
                    row["id"],
                )
            )
            continue
        if row["seq"] > expected:
            # The first row after a gap links to a hash that is gone: the gap is the finding.
            findings.append(
                AuditFinding(
                    "deleted",
                    f"rows deleted: seq {expected}..{row['seq'] - 1} missing (before row id {row['id']})",
                    row["id"],
                )
            )
        elif (key := ring.key_for(row["seq"])) is None:
            fingerprint = ring.fingerprint_for(row["seq"])
            if fingerprint not in unknown_keys:
                unknown_keys.add(fingerprint)
                findings.append(
                    AuditFinding(
                        "key",
                        f"rows from seq {row['seq']} were sealed with a key (fingerprint {fingerprint}) that is"
                        " neither AUDIT_CHAIN_KEY nor in AUDIT_CHAIN_RETIRED_KEYS: they cannot be proved",
                        row["id"],
                    )
                )
        elif not hmac.compare_digest(row["chain_hash"], audit_chain_hash(row, previous, key)):
            findings.append(
                AuditFinding(
                    "altered", f"row id {row['id']} (seq {row['seq']}) was altered: its hash does not match", row["id"]
                )
            )
        if row["seq"] in by_last and by_last[row["seq"]].last_hash != row["chain_hash"]:
            findings.append(
                AuditFinding("archive", f"row id {row['id']} (seq {row['seq']}) differs from its archive", row["id"])
            )
        previous, expected, last_id = row["chain_hash"], row["seq"] + 1, row["id"]
    past_archives(archived_to + 1)
    last_seq = expected - 1
    if head is not None and (head.last_seq, head.last_hash or GENESIS_HASH) != (last_seq, previous):
        if head.last_seq > last_seq:
            findings.append(
                AuditFinding("deleted", f"rows deleted at the end: seq {last_seq + 1}..{head.last_seq} missing")
            )
        else:
            findings.append(
                AuditFinding(
                    "head",
                    f"chain head (seq {head.last_seq}) does not match the last row (seq {last_seq}, id {last_id})",
                )
            )
    cutoff = timezone.now() - grace
    for row in (
        AuditEntry.objects.filter(seq__isnull=True, created_at__lt=cutoff).order_by("id").values("id", "chain_hash")
    ):
        findings.append(AuditFinding("unsealed", f"row id {row['id']} is still unsealed", row["id"]))
    for row in AuditEntry.objects.filter(seq__isnull=True).exclude(chain_hash="").values("id"):
        findings.append(AuditFinding("out_of_chain", f"row id {row['id']} carries a hash but no seq", row["id"]))
    summary = {
        "checked": checked,
        "archived_to": archived_to,
        "last_seq": last_seq,
        "last_hash": previous,
        "unsealed": AuditEntry.objects.filter(seq__isnull=True).count(),
    }
    return findings, summary


def audit_archive_signature(archive, key: bytes | None = None) -> str:
    message = json.dumps(
        [
            archive.first_seq,
            archive.last_seq,
            archive.last_hash,
            archive.row_count,
            archive.file_name,
            archive.file_sha256,
        ],
        separators=(",", ":"),
    ).encode()
    return hmac.new(key or audit_chain_key(), message, hashlib.sha256).hexdigest()


def audit_archive(*, before: datetime, directory: Path, delete: bool = True) -> AuditArchive | None:
    """Export the sealed rows at the start of the chain created before `before` to a JSON-lines
    file in `directory` (one row a line: its canonical form and its chain_hash), read the file
    back and check every hash, record the archive (first/last seq, last hash, the file's SHA-256,
    signed with the chain key) and only then, when `delete`, delete the rows. The chain goes on
    from the archive's last hash, so verify_audit still proves what is left. None when there is
    nothing to archive. Runs as the tables' owner (the runtime role may not delete audit rows)."""
    key = audit_chain_key()
    last = AuditArchive.objects.order_by("-last_seq").first()
    first_seq = last.last_seq + 1 if last else 1
    previous = last.last_hash if last else GENESIS_HASH
    directory.mkdir(parents=True, exist_ok=True)
    rows = (
        AuditEntry.objects.filter(seq__gte=first_seq)
        .order_by("seq")
        .values(*AuditEntry.CHAINED_FIELDS, "seq", "chain_hash")
    )
    partial = directory / f".audit-{first_seq:012d}.partial"
    count, last_seq, digest = 0, first_seq - 1, hashlib.sha256()
    with partial.open("w", encoding="utf-8") as out:
        for row in rows.iterator(chunk_size=2000):
            if row["created_at"] >= before or row["seq"] != last_seq + 1:
                break  # the archive is a run of the chain with no hole: it stops at the first gap
            line = json.dumps(
                {"row": json.loads(audit_canonical(row)), "chain_hash": row["chain_hash"]},
                ensure_ascii=False,
                sort_keys=True,
                separators=(",", ":"),
            )
            out.write(line + "\n")
            digest.update((line + "\n").encode())
            count, last_seq = count + 1, row["seq"]
    if not count:
        partial.unlink()
        return None
    name = f"audit-{first_seq:012d}-{last_seq:012d}.jsonl"
    final = directory / name
    partial.replace(final)
    last_hash = audit_archive_file_check(final, previous=previous, first_seq=first_seq, ring=audit_key_ring())
    with transaction.atomic():
        archive = AuditArchive(
            first_seq=first_seq,
            last_seq=last_seq,
            last_hash=last_hash,
            row_count=count,
            before=before,
            file_name=name,
            file_sha256=digest.hexdigest(),
            signature="",
        )
        archive.signature = audit_archive_signature(archive, key)
        archive.save()
        (directory / f"{name}.manifest.json").write_text(
            json.dumps(
                {
                    "file": name,
                    "sha256": archive.file_sha256,
                    "first_seq": first_seq,
                    "last_seq": last_seq,
                    "previous_hash": previous,
                    "last_hash": last_hash,
                    "row_count": count,
                    "before": before.astimezone(UTC).isoformat(),
                    "signature": archive.signature,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        if delete:
            table = connection.ops.quote_name(AuditEntry._meta.db_table)
            with connection.cursor() as cursor:
                # Raw SQL: the model refuses deletion; the PostgreSQL trigger lets through only
                # rows an archive record covers (written just above, in this transaction).
                cursor.execute(f"DELETE FROM {table} WHERE seq BETWEEN %s AND %s", [first_seq, last_seq])  # noqa: S608
                if cursor.rowcount != count:
                    raise RuntimeError(f"archive {name}: {cursor.rowcount} rows deleted, {count} exported")
    return archive


def audit_archive_file_check(path: Path, *, previous: str, first_seq: int, ring: AuditKeyRing | None = None) -> str:
    """Recompute the chain through an archive file, each row under the key that sealed it; returns
    its last hash. Raises ValueError naming the first line that does not hold."""
    ring = ring or audit_key_ring()
    expected = first_seq
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            record = json.loads(line)
            row = record["row"]
            if row["seq"] != expected:
                raise ValueError(f"{path.name} line {number}: seq {row['seq']}, expected {expected}")
            key = ring.key_for(row["seq"])
            if key is None:
                raise ValueError(f"{path.name} line {number}: seq {row['seq']} was sealed with a key not configured")
            message = f"{previous}\n{json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(',', ':'))}"
            computed = hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(computed, record["chain_hash"]):
                raise ValueError(f"{path.name} line {number}: row id {row['id']} (seq {row['seq']}) does not match")
            previous, expected = record["chain_hash"], expected + 1
    return previous


# --- what a page and the workbench derive from the tables --------------------------------------


@dataclass(frozen=True)
class Move:
    """One button: a move this person may make now."""

    to: object
    label: str  # the state it leads to
    act: str
    act_label: str
    from_state: object
    reason_required: bool
    # A move that needs more than a reason (scores, verdicts, a file) is made on its own page.
    page_url: str = ""
    # Buttons for moves that end or undo something are drawn as such.
    tone: str = "primary"

    # What the button says: the model's MOVE_LABELS verb for this target ("批准设立", "退回修改"),
    # else "变更为「state」".
    button: str = ""

    @property
    def confirm(self) -> str:
        return _("确定%(act)s？状态将变为「%(to)s」。") % {"act": self.act_label, "to": self.label}


def moves(obj: Model, user) -> list[Move]:
    """The moves `user` may make on `obj` now, in the table's order: what a page renders as buttons."""
    model = type(obj)
    current = getattr(obj, _state_field(model))
    table = model.TRANSITIONS.get(current, {})
    if not table or not user.is_authenticated:
        return []
    required = getattr(model, "REASON_REQUIRED", ())
    pages = obj.move_pages() if hasattr(obj, "move_pages") else {}
    ends = getattr(model, "ENDING_STATES", ())
    verbs = getattr(model, "MOVE_LABELS", {})
    allowed: dict[str, bool] = {}
    result = []
    for to, act in table.items():
        if act not in allowed:
            allowed[act] = can(user, act, obj)
        if not allowed[act]:
            continue
        label = state_label_in_current_language(model, to)
        result.append(
            Move(
                to=to,
                label=label,
                button=_button(verbs, current, to, label),
                act=act,
                act_label=str(ACTS[act].label),
                from_state=current,
                reason_required=to in required,
                page_url=pages.get(to, ""),
                tone="danger" if to in ends else "primary",
            )
        )
    return result


def _button(verbs: dict, current, to, label: str) -> str:
    # MOVE_LABELS keys are a target state, or (from, to) where two moves share a target.
    verb = verbs.get((current, to), verbs.get(to))
    return str(verb) if verb is not None else _("变更为「%(state)s」") % {"state": label}


def move_act(model: type[Model], to) -> str:
    """The act the model's table asks for a move to `to`: what a page or endpoint that makes that
    one move is gated on before its input is read (transition() checks it again with the state)."""
    return next(act for table in model.TRANSITIONS.values() for target, act in table.items() if target == to)


def authorize_moves(user, obj: Model) -> None:
    """The gate of a page or endpoint whose move is named by its input (`to`), before that input
    is read: 404 when the record is outside the person's scope, 403 when no act of the model's
    table is theirs on it. transition() then checks the move named: the state seen, the table and
    its act. (Not for records whose owners' acts depend on their state — a teaching record's party
    has no act once it has moved on, and must still be told that someone else decided.)"""
    if not reaches(user, obj):
        raise Http404
    acts = dict.fromkeys(act for table in type(obj).TRANSITIONS.values() for act in table.values())
    if not any(can(user, act, obj) for act in acts):
        raise PermissionDenied(_("没有权限：%(act)s") % {"act": "、".join(str(ACTS[act].label) for act in acts)})


def allowed_transitions(obj: Model, user) -> list[tuple[object, str]]:
    """(to, label) pairs of moves(): for callers that only need the targets."""
    return [(m.to, m.label) for m in moves(obj, user)]


def workflow_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if getattr(m, "TRANSITIONS", None)]


@dataclass(frozen=True)
class Waiting:
    kind: str  # the record's kind (verbose name)
    act_label: str
    state: str  # the state it waits in
    obj: Model
    url: str
    since: object

    @property
    def title(self) -> str:
        return _("%(act)s：%(obj)s") % {"act": self.act_label, "obj": self.obj}


WAITING_LIMIT = 50


def waiting_for(user) -> list[Waiting]:
    """What waits for this person, from the tables: every record in a state one of whose moves
    this person may make (within their scope), except the moves a model marks as side moves
    (withdraw, cancel) that are offered as buttons but are nobody's task. A bounded number of
    queries per (model, state, act), each limited to WAITING_LIMIT rows."""
    if not user.is_authenticated or not user.is_active:
        return []
    items: list[Waiting] = []
    for model in workflow_models():
        if not hasattr(model, "get_absolute_url"):
            continue
        field = _state_field(model)
        side = getattr(model, "SIDE_MOVES", frozenset())
        acts_by_state: dict[object, list[str]] = {}
        for from_state, table in model.TRANSITIONS.items():
            for to, act in table.items():
                if (from_state, to) in side or act in acts_by_state.get(from_state, []):
                    continue
                acts_by_state.setdefault(from_state, []).append(act)
        since_field = getattr(model, "WAITING_SINCE", "updated_at")
        # What a to-do's title and link read of related rows, loaded with it (WAITING_RELATED).
        related = getattr(model, "WAITING_RELATED", ())
        seen: set[int] = set()
        for from_state, acts in acts_by_state.items():
            for act in acts:
                if user.is_superuser or not (can(user, act) or ACTS[act].owner):
                    # Superusers may do everything and so would be waited for by everything.
                    continue
                queryset = scope(user, act, model._default_manager.filter(**{field: from_state}))
                if related:
                    queryset = queryset.select_related(*related)
                for obj in queryset.order_by(since_field, "pk")[:WAITING_LIMIT]:
                    if obj.pk in seen:
                        continue
                    seen.add(obj.pk)
                    items.append(
                        Waiting(
                            kind=str(model._meta.verbose_name),
                            act_label=str(ACTS[act].label),
                            state=state_label_in_current_language(model, from_state),
                            obj=obj,
                            url=obj.get_absolute_url(),
                            since=getattr(obj, since_field),
                        )
                    )
    return items


# --- who hears of a change -------------------------------------------------------------------------


def notices_for(model: type[Model], to_state) -> list[Notice]:
    entry = getattr(model, "NOTIFY", {}).get(to_state, ())
    return [entry] if isinstance(entry, Notice) else list(entry)
