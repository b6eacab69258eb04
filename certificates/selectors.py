"""Reads for certificates: the scoped list and the verification of a link."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from certificates import signing
from certificates.models import Certificate
from lib.masking import mask_name

LIST_RELATED = ("issuer", "master")


def search_certificates(queryset: QuerySet, params) -> QuerySet:
    """Number (exact or prefix) or the holder's or master's name; kind; status."""
    query = (params.get("q") or "").strip()[:40]
    if query:
        if query.upper().startswith(("CC", "CCM", "CCA")):
            queryset = queryset.filter(number__startswith=query.upper())
        else:
            queryset = queryset.filter(Q(holder_name__contains=query) | Q(master_name__contains=query))
    kind = params.get("kind") or ""
    if kind in Certificate.Kind.values:
        queryset = queryset.filter(kind=kind)
    status = params.get("status") or ""
    if status in Certificate.Status.values:
        queryset = queryset.filter(status=status)
    return queryset


@dataclass(frozen=True)
class Verification:
    """What the public page says about a certificate and the link that led to it."""

    certificate: Certificate
    payload: signing.Payload
    # None: the link carried no signature (typed-in number); True/False: it did and it checks out or not.
    link_signature_valid: bool | None
    # Whether the record still matches the signature made when it was issued.
    record_intact: bool

    @property
    def state(self) -> str:
        """What the banner says: "invalid" whenever anything fails to check out — a tampered code
        must never be shown under a green 有效 — else "revoked" or "valid"."""
        if self.link_signature_valid is False or not self.record_intact:
            return "invalid"
        return "valid" if self.certificate.is_valid else "revoked"

    @property
    def holder(self) -> str:
        return mask_name(self.certificate.holder_name)

    @property
    def master(self) -> str:
        # The same rule as the holder's: on a master's certificate they are the same person.
        return mask_name(self.certificate.master_name)


def certificate_for_verification(number: str, *, code: str = "", signature: str = "") -> Certificate | None:
    """The certificate a public verification may speak of, or None.

    Numbers run in sequence, so a number alone proves nothing: the asker must also hold the
    certificate's verification code, or the signature of its QR code (printed on every
    certificate, also on those issued before codes existed; only the platform's key makes one).
    A wrong code, a signature for other fields and a number never issued all give None, so the
    answer never tells which of them it was (issue 13 §13)."""
    certificate = Certificate.objects.select_related("issuer").filter(number=number).first()
    if certificate is None:
        return None
    if code and certificate.code_matches(code):
        return certificate
    if signature and signing.signature_valid(signing.payload_for(certificate), signature):
        return certificate
    return None


def verify(certificate: Certificate, *, signature: str = "", data: str = "") -> Verification:
    payload = signing.payload_for(certificate)
    link_valid = None
    if signature:
        link_valid = signing.signature_valid(payload, signature)
        if link_valid and data:
            # The link's own copy of the fields must be the record's: a valid signature pasted
            # onto altered fields fails here.
            try:
                link_valid = signing.unb64url(data) == payload.canonical()
            except ValueError:
                link_valid = False
    return Verification(
        certificate=certificate,
        payload=payload,
        link_signature_valid=link_valid,
        record_intact=signing.signature_valid(payload, certificate.signature),
    )


def certificate_pdf(certificate: Certificate, request=None) -> bytes:
    """The printable certificate with its QR code (lib/pdf, WeasyPrint)."""
    from certificates.qr import qr_png_data_uri
    from lib.pdf import render_pdf

    return render_pdf(
        "certificates/pdf/certificate.html",
        {
            "certificate": certificate,
            "qr": qr_png_data_uri(signing.qr_text_for(certificate, request)),
            "fingerprint": signing.public_key_fingerprint(),
        },
    )
