"""The apprenticeship (师承关系, APP-4..8): a certified master teaching one apprentice for a term.

This module holds the relationship itself; the application that leads to it, the review, the
matching and the contract live beside it in this app, the teaching plan, activities and
graduation in `teaching`. An apprenticeship exists once both parties have signed the contract.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import in_regions

# The programme's own units, which see every apprenticeship (000 §三).
PROGRAMME_KINDS = ("organizing", "host", "guiding")


class Term(models.TextChoices):
    # 000 §六: the teaching term, whose hour quotas are in teaching/quotas.py.
    HALF_YEAR = "half_year", _("半年")
    ONE_YEAR = "one_year", _("一年")
    THREE_YEARS = "three_years", _("三年")


TERM_MONTHS = {Term.HALF_YEAR: 6, Term.ONE_YEAR: 12, Term.THREE_YEARS: 36}


class Apprenticeship(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("跟师学习中")
        GRADUATED = "graduated", _("已结业")
        TERMINATED = "terminated", _("已终止")

    TRANSITIONS = {
        Status.ACTIVE: {
            Status.GRADUATED: "apprenticeship.graduate",
            Status.TERMINATED: "apprenticeship.terminate",
        },
    }

    master = models.ForeignKey(
        "masters.Master", models.PROTECT, related_name="apprenticeships", verbose_name=_("传承人")
    )
    apprentice = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="apprenticeships", verbose_name=_("师承人")
    )
    # The apprentice's unit and place: the regional scope of the record.
    organization = models.ForeignKey(
        "accounts.Organization", models.PROTECT, related_name="apprenticeships", verbose_name=_("师承人单位")
    )
    region = models.ForeignKey("accounts.Region", models.PROTECT, related_name="+", verbose_name=_("所在地区"))
    term = models.CharField(_("师承期限"), max_length=12, choices=Term.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("师承关系")
        verbose_name_plural = _("师承关系")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["master", "status"]),
            models.Index(fields=["apprentice", "status"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "-starts_on"]),
        ]

    def __str__(self) -> str:
        name = self.apprentice.full_name or self.apprentice.username
        return f"{self.master.name} → {name}（{self.get_term_display()}）"

    # --- scope (accounts.permissions) ---
    @classmethod
    def scope_q(cls, *, regions, organization_ids) -> Q:
        from accounts.models import Organization

        q = in_regions("region", regions)
        if organization_ids:
            q |= Q(organization_id__in=organization_ids) | Q(master__organization_id__in=organization_ids)
            programme = Organization.objects.filter(pk__in=organization_ids, kind__in=PROGRAMME_KINDS)
            q |= Q(Exists(programme))
        return q

    @classmethod
    def owner_q(cls, user) -> Q:
        # Both parties own the relationship: the apprentice and the master.
        return Q(apprentice_id=user.pk) | Q(master__user_id=user.pk)

    def audit_organization(self):
        return self.organization

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE
