"""Certificates (证书, APP-8): numbered master and apprentice certificates that anyone can verify.

A certificate is issued once by the unit that decides it (the guiding unit certifies a master,
the host unit graduates an apprentice) and is never edited afterwards: its printed fields are
signed (certificates/signing.py), so the only change it may undergo is revocation.
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions
from workflow.maps import Notice

# The programme's own units (as in masters and apprenticeships).
PROGRAMME_KINDS = ("organizing", "host", "guiding")

# Crockford's base32: no I, L, O or U, so a code read off paper is not mistyped.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: guessing one takes ~10^15 tries, against a rate-limited page


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_verification_code(text: str) -> str:
    """What a person typed → the stored form: case, spaces and dashes do not matter, and the
    letters Crockford's alphabet leaves out read as the digits they look like."""
    text = "".join(ch for ch in (text or "").upper() if ch not in " -")
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))[:32]


class Certificate(models.Model):
    class Kind(models.TextChoices):
        MASTER = "master", _("传承人证书")
        APPRENTICE = "apprentice", _("师承证书")

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    class RevocationCategory(models.TextChoices):
        """What the public verification page says of a revocation; the reason itself stays
        internal (issue 13 §13)."""

        ERROR = "error", _("信息有误")
        VIOLATION = "violation", _("违反规定")
        HOLDER_REQUEST = "holder_request", _("本人申请")
        OTHER = "other", _("其他")

    TRANSITIONS = {Status.VALID: {Status.REVOKED: "certificate.revoke"}}
    MOVE_SERVICE = "certificates.services.certificate_move"
    MOVE_LABELS = {Status.REVOKED: _("撤销证书")}
    # The reason is internal (holder, master, staff); the public page shows its category only.
    REASON_REQUIRED = frozenset({Status.REVOKED})
    ENDING_STATES = frozenset({Status.REVOKED})
    # Revocation is an exception, never anyone's to-do.
    SIDE_MOVES = frozenset({(Status.VALID, Status.REVOKED)})
    # Issuing is not a move (a certificate is created valid): its notice is sent by
    # certificates.services.certificate_issue. For a master certificate holder and master are one.
    NOTIFY = {
        Status.REVOKED: Notice(_("{obj} 已被撤销"), to=("holder", "master.user"), body=_("撤销原因：{reason}")),
    }

    number = models.CharField(_("证书编号"), max_length=32, unique=True)
    # Printed beside the number and carried in the QR link: numbers are sequential, so the public
    # page says nothing about a number without its code (issue 13 §13).
    verification_code = models.CharField(_("查验码"), max_length=16, default=new_verification_code, editable=False)
    kind = models.CharField(_("证书类别"), max_length=12, choices=Kind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="certificates", verbose_name=_("持证人")
    )
    # The name as printed: a later change of the account's name does not change a signed certificate.
    holder_name = models.CharField(_("持证人姓名"), max_length=64)
    # For a master certificate the master themself; for an apprentice certificate the teaching master.
    master = models.ForeignKey("masters.Master", models.PROTECT, related_name="certificates", verbose_name=_("传承人"))
    master_name = models.CharField(_("传承人姓名"), max_length=64)
    term_start = models.DateField(_("期限起"), null=True, blank=True)
    term_end = models.DateField(_("期限止"), null=True, blank=True)
    issued_on = models.DateField(_("颁发日期"))
    issuer = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="issued_certificates", verbose_name=_("颁发单位")
    )
    # What the certificate attests: a masters.Master or an apprenticeships.Apprenticeship.
    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_reason = models.TextField(_("撤销原因"), blank=True)
    revoked_category = models.CharField(
        _("撤销类别"), max_length=16, choices=RevocationCategory.choices, blank=True, default=""
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    # Ed25519 over the canonical payload (certificates.signing), base64url without padding.
    signature = models.CharField(_("签名"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["holder", "status"]),
            models.Index(fields=["master", "kind"]),
            models.Index(fields=["issuer", "status"]),
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["kind", "status", "-issued_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:certificate-detail", args=[self.number])

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Membership, Organization

        q = in_regions("master__region", regions) | in_regions("holder__region", regions)
        if organization_ids:
            q |= Q(issuer_id__in=organization_ids) | Q(master__organization_id__in=organization_ids)
            q |= Q(holder_id__in=Membership.objects.filter(organization_id__in=organization_ids).values("user_id"))
            # The programme's units see every certificate of the programme (000 §六).
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        return Q(holder_id=user.pk) | Q(master__user_id=user.pk)

    def audit_organization(self):
        return self.issuer

    def move_pages(self) -> dict:
        # Revocation is decided on a page of its own, which says what it means for the holder.
        return {self.Status.REVOKED: reverse("certificates:certificate-revoke", args=[self.number])}

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def public_revocation_category(self) -> str:
        """The revocation as the public page states it: its category, never the internal reason."""
        category = self.revoked_category or self.RevocationCategory.OTHER
        return str(self.RevocationCategory(category).label)

    def code_matches(self, text: str) -> bool:
        code = normalize_verification_code(text)
        return bool(code) and hmac.compare_digest(code.encode(), self.verification_code.encode())

    @property
    def public_verify_url(self) -> str:
        """The public page with the code: what the QR code and the printed certificate lead to."""
        return reverse("certificates:verify", args=[self.number]) + f"?c={self.verification_code}"


class NumberSequence(models.Model):
    """The last number used per prefix and year (CCM-2026-…): locked while a number is taken, so
    two certificates issued at the same moment never get the same number."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="certificate_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
