"""Writes for certificates: issue (called by the workflow that decides it) and revoke."""

from __future__ import annotations

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.permissions import can
from certificates import signing
from certificates.models import Certificate, NumberSequence
from certificates.permissions import issued_by_own_unit
from lib.errors import ApplicationError, ConflictError
from notifications.services import notify
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

PREFIXES = {Certificate.Kind.MASTER: "CCM", Certificate.Kind.APPRENTICE: "CCA"}


NUMBER_UNSAFE = re.compile(r"[\s/\\?#%]")


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
        raise ApplicationError(_("未知的证书类别「%(kind)s」") % {"kind": kind}, field="kind")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise ApplicationError(_("证书必须填写持证人姓名"), field="holder_name")
    if term_start and term_end and term_end < term_start:
        raise ApplicationError(_("证书期限的结束日期不能早于开始日期"), field="term_end")
    content_type = ContentType.objects.get_for_model(subject)
    existing = (
        Certificate.objects.select_for_update()
        .filter(kind=kind, content_type=content_type, object_id=subject.pk, status=Certificate.Status.VALID)
        .first()
    )
    if existing is not None:
        raise ConflictError(
            _("已为此颁发过有效的%(kind)s（编号 %(number)s），不能重复颁发")
            % {"kind": existing.get_kind_display(), "number": existing.number}
        )
    today = timezone.localdate()
    if number:
        number = number.strip()
        if len(number) > 32 or NUMBER_UNSAFE.search(number):
            # The number is one segment of the public /verify/<number>/ address and is printed in
            # the QR code: a "/" or "?" there would name no certificate (issue 13 §8).
            raise ApplicationError(
                _("证书编号只能由文字、字母、数字和连字符组成，不能含空格、/、\\、?、#、%，最长 32 个字符"),
                field="number",
            )
        if Certificate.objects.filter(number=number).exists():
            raise ConflictError(_("证书编号 %(number)s 已被使用") % {"number": number}, field="number")
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
    # Issuing creates the certificate valid; it is no move of the certificate's table, so no NOTIFY
    # arrival announces it. This is the holder's one notice of it: the decision that issues it
    # (a master's certification, an apprentice's graduation) does not tell the holder again.
    with translation.override("zh-hans"):
        notify(
            recipients=[holder],
            title=_("您的%(kind)s已颁发（%(number)s）") % {"kind": certificate.get_kind_display(), "number": number},
            body=_("%(issuer)s于 %(date)s 颁发，可在平台下载证书并通过二维码查验。")
            % {"issuer": issuer.name, "date": f"{today:%Y年%m月%d日}"},
            url=reverse("certificates:certificate-detail", args=[number]),
        )
    return certificate


def certificate_move(
    certificate: Certificate, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Certificate:
    """MOVE_SERVICE of Certificate: its one move is revocation."""
    return certificate_revoke(certificate=certificate, actor=actor, reason=reason, expect=expect)


def certificate_revoke(
    *,
    certificate: Certificate,
    actor: User,
    reason: str,
    category: str = Certificate.RevocationCategory.OTHER,
    expect: str | None = None,
) -> Certificate:
    """The issuing unit revokes a certificate. The public page shows the category only; the
    reason is internal, told to the holder and the master (Certificate.NOTIFY)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("撤销证书必须填写原因（原因不公开，告知持证人和传承人）"), field="reason")
    if category not in Certificate.RevocationCategory.values:
        raise ApplicationError(_("撤销类别：请从列表中选择"), field="category")
    if can(actor, "certificate.revoke", certificate) and not issued_by_own_unit(actor, certificate):
        # The one refusal the workflow core cannot make, so cannot audit: the act's scope is every
        # certificate of the programme, its rule "only the issuing unit" lies outside it.
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=certificate,
            from_state=workflow.state_label(Certificate, certificate.status),
            to_state=workflow.state_label(Certificate, Certificate.Status.REVOKED),
            reason=f"{reason}（未执行：非颁发单位）",
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise PermissionDenied(_("只有颁发单位（%(issuer)s）可以撤销此证书") % {"issuer": certificate.issuer.name})
    return _revoke(certificate, actor=actor, reason=reason, category=category, expect=expect)


@workflow.atomic()
def _revoke(certificate: Certificate, *, actor: User, reason: str, category: str, expect: str | None) -> Certificate:
    locked = workflow.lock(certificate)
    workflow.transition(locked, Certificate.Status.REVOKED, actor=actor, reason=reason, expect=expect)
    locked.revoked_reason = reason
    locked.revoked_category = category
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_reason", "revoked_category", "revoked_at"])
    certificate.revoked_reason, certificate.revoked_at = locked.revoked_reason, locked.revoked_at
    certificate.revoked_category = locked.revoked_category
    return locked
