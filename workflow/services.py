"""transition() — the only way any record changes state — and the audit writer."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal
from django.http import Http404
from django.utils import translation

from lib.errors import ApplicationError, ConflictError
from workflow.context import current_ip
from workflow.models import AuditEntry

logger = logging.getLogger(__name__)

# Sent after the transaction that changed the state has committed: notifications and to-do
# lists hang off this, so they never announce a change that was rolled back.
transitioned = Signal()  # sender=model, obj, from_state, to_state, actor, reason


class TransitionNotAllowed(ConflictError):
    pass


def _label(model: type[Model], state) -> str:
    # Audit rows and domain messages are recorded in Chinese whatever the reader's language:
    # the log is a legal record and must read the same for everyone.
    with translation.override("zh-hans"):
        return _label_in_current_language(model, state)


def state_label(model: type[Model], state) -> str:
    return _label(model, state)


def _label_in_current_language(model: type[Model], state) -> str:
    labels = getattr(model, "STATE_LABELS", None)
    if labels and state in labels:
        return str(labels[state])
    field = getattr(model, "TRANSITION_FIELD", "status")
    try:
        choices = dict(model._meta.get_field(field).flatchoices)
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
    if organization is None and obj is not None and hasattr(obj, "audit_organization"):
        organization = obj.audit_organization()
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label or (actor.get_username() if actor is not None and actor.is_authenticated else ""),
        organization=organization,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        from_state=str(from_state)[:40],
        to_state=str(to_state)[:40],
        reason=reason,
        outcome=outcome,
        ip=ip if ip is not None else current_ip(),
    )


def allowed_transitions(obj: Model, user) -> list[tuple[object, str]]:
    """The moves this person may make now, with their labels: what a page renders as buttons."""
    from accounts.permissions import can

    model = type(obj)
    field = getattr(model, "TRANSITION_FIELD", "status")
    moves = model.TRANSITIONS.get(getattr(obj, field), {})
    return [(to, _label(model, to)) for to, act in moves.items() if can(user, act, obj)]


def transition(
    obj: Model,
    to,
    *,
    actor,
    reason: str = "",
    field: str | None = None,
    then: Callable[[Model], None] | None = None,
) -> Model:
    """Move `obj` to state `to`.

    Checks the model's TRANSITIONS table ({from: {to: act}}), that `actor` may do that act to this
    object (authorize(): 404 out of scope, 403 without the role), locks the row so that two people
    acting at once cannot both succeed, saves only the state field, writes the audit row and
    announces the change after commit. `then`, if given, runs inside the same transaction on the
    locked row, for work that must stand or fall with the change. A refused move is audited too.
    """
    from accounts.permissions import authorize

    model = type(obj)
    field = field or getattr(model, "TRANSITION_FIELD", "status")
    try:
        with transaction.atomic():
            locked = model._default_manager.select_for_update().get(pk=obj.pk)
            current = getattr(locked, field)
            act = model.TRANSITIONS.get(current, {}).get(to)
            if act is None:
                raise TransitionNotAllowed(
                    f"当前状态为「{_label(model, current)}」，不能变更为「{_label(model, to)}」"
                )
            authorize(actor, act, locked)
            setattr(locked, field, to)
            update_fields = [field]
            if any(f.name == "updated_at" for f in model._meta.fields):
                update_fields.append("updated_at")
            locked.save(update_fields=update_fields)
            audit_record(
                action=AuditEntry.Action.TRANSITION,
                actor=actor,
                obj=locked,
                from_state=_label(model, current),
                to_state=_label(model, to),
                reason=reason,
            )
            if then is not None:
                then(locked)
            transaction.on_commit(
                lambda: transitioned.send(
                    sender=model, obj=locked, from_state=current, to_state=to, actor=actor, reason=reason
                )
            )
    except (ApplicationError, PermissionDenied, Http404) as exc:
        # The change rolled back; the refused attempt itself is still history.
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=obj,
            from_state=_label(model, getattr(obj, field)),
            to_state=_label(model, to),
            reason=f"{reason}（未执行：{getattr(exc, 'message', None) or exc or '不在权限范围内'}）",
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise
    setattr(obj, field, to)
    return locked
