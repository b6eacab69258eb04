"""The certificates API: public verification by number, the scoped list, PDF download, revocation."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from accounts.permissions import authorize, scope
from certificates import selectors, services, signing
from certificates.models import Certificate
from certificates.permissions import may_revoke
from chuancheng.api_gate import gated
from lib.pagination import LimitOffsetPagination
from workflow.models import AuditEntry
from workflow.services import audit_record

router = Router(tags=["certificates"])


class VerificationOut(Schema):
    number: str
    kind: str
    status: str
    # valid, revoked, or invalid (a code or record that does not check out), as the page's banner.
    state: str
    holder: str  # masked
    master: str  # masked
    term_start: datetime.date | None
    term_end: datetime.date | None
    issued_on: datetime.date
    issuer: str
    # The public category of a revocation (信息有误 …); the reason itself is never public.
    revoked_category: str
    revoked_at: datetime.datetime | None
    # null when no signature was given; otherwise whether it is the record's.
    signature_valid: bool | None


class CertificateOut(Schema):
    number: str
    kind: str
    status: str
    holder_name: str
    master_id: int
    master_name: str
    term_start: datetime.date | None
    term_end: datetime.date | None
    issued_on: datetime.date
    issuer: str
    revoked_reason: str
    revoked_at: datetime.datetime | None
    verify_url: str

    @staticmethod
    def resolve_issuer(obj):
        return obj.issuer.name

    @staticmethod
    def resolve_verify_url(obj, context):
        return signing.qr_text_for(obj, context["request"])


class RevokeIn(Schema):
    reason: str
    category: str = Certificate.RevocationCategory.OTHER


class PublicKeyOut(Schema):
    algorithm: str
    pem: str
    fingerprint: str


@router.get("/certificates/verify/{number}", response=VerificationOut, auth=None)
def certificate_verify(request, number: str, c: str = "", s: str = "", d: str = ""):
    # As the page: the number with its verification code or its QR signature, else 404 alike.
    certificate = selectors.certificate_for_verification(number, code=c[:40], signature=s[:200])
    if certificate is None:
        raise Http404
    result = selectors.verify(certificate, signature=s[:200], data=d[:2000])
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "status": certificate.status,
        "state": result.state,
        "holder": result.holder,
        "master": result.master,
        "term_start": certificate.term_start,
        "term_end": certificate.term_end,
        "issued_on": certificate.issued_on,
        "issuer": certificate.issuer.name,
        "revoked_category": certificate.public_revocation_category if not certificate.is_valid else "",
        "revoked_at": certificate.revoked_at,
        "signature_valid": result.link_signature_valid,
    }


@router.get("/certificates/public-key", response=PublicKeyOut, auth=None)
def certificate_public_key(request):
    return {"algorithm": "Ed25519", "pem": signing.public_key_pem(), "fingerprint": signing.public_key_fingerprint()}


@router.get("/certificates", response=list[CertificateOut])
@paginate(LimitOffsetPagination)
def certificate_list(request, q: str = "", kind: str = "", status: str = ""):
    rows = scope(request.user, "certificate.view", Certificate.objects.all())
    rows = selectors.search_certificates(rows, {"q": q, "kind": kind, "status": status})
    return rows.select_related(*selectors.LIST_RELATED).order_by("-issued_on", "-pk")


def _certificate(request, number: str, act: str) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("issuer", "master"), number=number)
    authorize(request.user, act, certificate)
    # As the page: a certificate names a person; reads by anyone but its holder and master are logged.
    if request.user.pk not in (certificate.holder_id, certificate.master.user_id):
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=certificate, reason="查看证书")
    return certificate


@router.get("/certificates/{number}", response=CertificateOut)
def certificate_get(request, number: str):
    return _certificate(request, number, "certificate.view")


@router.get("/certificates/{number}/pdf")
def certificate_pdf(request, number: str):
    certificate = _certificate(request, number, "certificate.view")
    data = selectors.certificate_pdf(certificate, request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


def _may_revoke(request, number, **_path) -> None:
    """As the revoke page: the certificate, for those who may open it (404 / 403), and only its
    issuing unit revokes it (403)."""
    certificate = _certificate(request, number, "certificate.view")
    if not may_revoke(request.user, certificate):
        raise PermissionDenied(_("只有颁发单位（%(issuer)s）可以撤销此证书") % {"issuer": certificate.issuer.name})


@router.post("/certificates/{number}/revoke", response=CertificateOut)
@gated(check=_may_revoke)
def certificate_revoke(request, number: str, payload: RevokeIn):
    certificate = _certificate(request, number, "certificate.view")
    return services.certificate_revoke(
        certificate=certificate, actor=request.user, reason=payload.reason, category=payload.category
    )
