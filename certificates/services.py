"""Writes for certificates: issue (called by the workflow that decides it) and revoke."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.permissions import ACTS, can
from certificates import signing
from certificates.models import Certificate, NumberSequence
from lib.errors import ApplicationError, ConflictError
from notifications.services import notify
from workflow.models import AuditEntry
from workflow.services import audit_record, transition

PREFIXES = {Certificate.Kind.MASTER: "CCM", Certificate.Kind.APPRENTICE: "CCA"}


def certificate_number_allocate(*, kind: str, year: int) -> str:
    """The next free number of the kind and year, e.g. CCM-2026-000042.

    The sequence row is locked for the rest of the transaction, so two issuances at once queue up
    instead of taking the same number; a number already taken (an older scheme, a hand-given
    number) is skipped."""
    prefix = PREFIXES[kind]
    NumberSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = NumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
    while True:
        sequence.last += 1
        number = f"{prefix}-{year}-{sequence.last:06d}"
        if not Certificate.objects.filter(number=number).exists():
            break
    sequence.save(update_fields=["last"])
    return number


@transaction.atomic
def certificate_issue(
    *,
    kind: str,
    holder: User,
    holder_name: str,
    master,
    issuer: Organization,
    actor: User,
    subject: models.Model,
    term_start: datetime.date | None = None,
    term_end: datetime.date | None = None,
    number: str | None = None,
) -> Certificate:
    """Issue a numbered, signed certificate.

    The caller is the workflow step that decides the certificate (master certification, an
    apprentice's graduation) and has already authorized `actor` for it; this runs inside its
    transaction. One valid certificate of a kind per subject: a second issuance is refused.
    """
    if kind not in Certificate.Kind.values:
        raise ApplicationError(f"未知的证书类别「{kind}」", field="kind")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise ApplicationError("证书必须填写持证人姓名", field="holder_name")
    if term_start and term_end and term_end < term_start:
        raise ApplicationError("证书期限的结束日期不能早于开始日期", field="term_end")
    content_type = ContentType.objects.get_for_model(subject)
    existing = (
        Certificate.objects.select_for_update()
        .filter(kind=kind, content_type=content_type, object_id=subject.pk, status=Certificate.Status.VALID)
        .first()
    )
    if existing is not None:
        raise ConflictError(f"已为此颁发过有效的{existing.get_kind_display()}（编号 {existing.number}），不能重复颁发")
    today = timezone.localdate()
    if number:
        number = number.strip()
        if Certificate.objects.filter(number=number).exists():
            raise ConflictError(f"证书编号 {number} 已被使用", field="number")
    else:
        number = certificate_number_allocate(kind=kind, year=today.year)
    certificate = Certificate(
        number=number,
        kind=kind,
        holder=holder,
        holder_name=holder_name,
        master=master,
        master_name=master.name,
        term_start=term_start,
        term_end=term_end,
        issued_on=today,
        issuer=issuer,
        content_type=content_type,
        object_id=subject.pk,
    )
    certificate.signature = signing.sign(signing.payload_for(certificate))
    certificate.full_clean(exclude=["holder", "master", "issuer", "content_type"])
    certificate.save()
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=certificate,
        to_state=str(Certificate.Status.VALID.label),
        reason=f"颁发{certificate.get_kind_display()}，编号 {number}",
    )
    notify(
        recipients=[holder],
        title=f"您的{certificate.get_kind_display()}已颁发（{number}）",
        body=f"{issuer.name}于 {today:%Y年%m月%d日} 颁发，可在平台下载证书并通过二维码查验。",
        url=reverse("certificates:certificate-detail", args=[number]),
    )
    return certificate


def certificate_revoke_allowed(actor: User, certificate: Certificate) -> bool:
    """Whether `actor` may revoke: the act's role in the unit that issued this very certificate —
    the host unit sees master certificates but did not issue them."""
    if not can(actor, "certificate.revoke", certificate):
        return False
    if actor.is_superuser:
        return True
    roles = ACTS["certificate.revoke"].roles
    return Membership.objects.filter(user=actor, organization_id=certificate.issuer_id, role__in=roles).exists()


def certificate_revoke(*, certificate: Certificate, actor: User, reason: str) -> Certificate:
    """The issuing unit revokes a certificate; the reason is shown on the public page."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("撤销证书必须填写原因，原因将在公开查验页面显示", field="reason")
    if can(actor, "certificate.revoke", certificate) and not certificate_revoke_allowed(actor, certificate):
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=certificate,
            to_state=str(Certificate.Status.REVOKED.label),
            reason=f"{reason}（未执行：非颁发单位）",
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise PermissionDenied(f"只有颁发单位（{certificate.issuer.name}）可以撤销此证书")

    def stamp(locked: Certificate) -> None:
        locked.revoked_reason = reason
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_reason", "revoked_at"])
        recipients = [locked.holder, locked.master.user]
        notify(
            recipients=recipients,
            title=f"{locked.get_kind_display()} {locked.number} 已被撤销",
            body=f"撤销原因：{reason}",
            url=reverse("certificates:certificate-detail", args=[locked.number]),
        )

    locked = transition(certificate, Certificate.Status.REVOKED, actor=actor, reason=reason, then=stamp)
    certificate.refresh_from_db()
    return locked
