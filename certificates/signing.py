"""The signed payload of a certificate's QR code, checkable offline (APP-8).

The QR code carries a link to the public verification page with the certificate's printed fields
(the canonical payload) and an Ed25519 signature over them. Anyone holding the public key
(/verify/key/) can check a scanned code without reaching the platform: a forged certificate has no
valid signature, an altered one no longer matches it. The page itself also checks it online
against the record.

The key is CERTIFICATE_SIGNING_KEY (PEM or the base64 of the 32-byte raw private key). Outside
production, when unset, it is derived from SECRET_KEY so that every developer and test run has a
stable key without configuration; production refuses to start without one (settings.py).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from lib.masking import mask_name
from lib.urls import absolute

# The first line of every payload: lets a future format change be told apart.
VERSION = "CC1"
FIELDS = ("kind", "number", "holder", "master", "term_start", "term_end", "issued_on")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Payload:
    kind: str
    number: str
    holder: str  # masked
    master: str
    term_start: str  # ISO date or ""
    term_end: str
    issued_on: str

    def canonical(self) -> bytes:
        values = [getattr(self, f) for f in FIELDS]
        for value in values:
            if "\n" in value:
                raise ValueError("证书字段不能包含换行")
        return "\n".join([VERSION, *values]).encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> Payload:
        lines = data.decode("utf-8").split("\n")
        if len(lines) != len(FIELDS) + 1 or lines[0] != VERSION:
            raise ValueError("不是本平台的证书数据")
        return cls(**dict(zip(FIELDS, lines[1:], strict=True)))


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def payload_for(certificate) -> Payload:
    return Payload(
        kind=certificate.kind,
        number=certificate.number,
        holder=mask_name(certificate.holder_name),
        master=certificate.master_name,
        term_start=_iso(certificate.term_start),
        term_end=_iso(certificate.term_end),
        issued_on=_iso(certificate.issued_on),
    )


@lru_cache(maxsize=4)
def _private_key(configured: str, secret_key: str) -> Ed25519PrivateKey:
    if not configured:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("CHUANCHENG_ENV=production needs CERTIFICATE_SIGNING_KEY in the environment")
        seed = hashlib.sha256(b"chuancheng-certificate-signing\x00" + secret_key.encode("utf-8")).digest()
        return Ed25519PrivateKey.from_private_bytes(seed)
    if "BEGIN" in configured:
        key = serialization.load_pem_private_key(configured.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY must be an Ed25519 private key")
        return key
    try:
        raw = base64.b64decode(configured.strip(), validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("CERTIFICATE_SIGNING_KEY in base64 must be 32 raw bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key() -> Ed25519PrivateKey:
    return _private_key(getattr(settings, "CERTIFICATE_SIGNING_KEY", "") or "", settings.SECRET_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem() -> str:
    return (
        public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def public_key_fingerprint() -> str:
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def sign(payload: Payload) -> str:
    return b64url(private_key().sign(payload.canonical()))


def signature_valid(payload: Payload, signature: str, key: Ed25519PublicKey | None = None) -> bool:
    try:
        raw = unb64url(signature)
    except (binascii.Error, ValueError):
        return False
    try:
        (key or public_key()).verify(raw, payload.canonical())
    except (InvalidSignature, ValueError):
        return False
    return True


def qr_text(payload: Payload, signature: str, code: str = "", request: HttpRequest | None = None) -> str:
    """What the QR code says: the verification link at the platform's address (lib.urls), with
    the certificate's verification code (not part of the signed payload, which predates it), the
    payload and its signature."""
    query = urlencode({**({"c": code} if code else {}), "d": b64url(payload.canonical()), "s": signature})
    return absolute(f"/verify/{payload.number}/?{query}", request)


def qr_text_for(certificate, request: HttpRequest | None = None) -> str:
    return qr_text(payload_for(certificate), certificate.signature, certificate.verification_code, request)


@dataclass(frozen=True)
class Scanned:
    payload: Payload | None
    signature: str
    number: str
    error: str = ""


def parse_scanned(text: str) -> Scanned:
    """A scanned QR text (the link) or the bare payload query (d=…&s=…) back into its parts."""
    text = text.strip()
    parts = urlsplit(text)
    query = parse_qs(parts.query if parts.query else text)
    number = ""
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2 and segments[-2] == "verify":
        number = segments[-1]
    signature = (query.get("s") or [""])[0]
    data = (query.get("d") or [""])[0]
    if not data or not signature:
        return Scanned(None, signature, number, "二维码内容缺少证书数据或签名")
    try:
        payload = Payload.parse(unb64url(data))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return Scanned(None, signature, number, "二维码中的证书数据无法解析")
    if number and number != payload.number:
        return Scanned(payload, signature, number, "链接中的证书编号与签名数据不一致")
    return Scanned(payload, signature, number or payload.number)


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("不是 Ed25519 公钥")
    return key
