"""Reads for masters: the public directory's search and filters, the review queues."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from accounts.models import Region
from lib.chinese import has_han, normalize
from masters.models import Master, Tier

# Each review stage, the act that works it, and its heading.
STAGES = (
    (Master.Status.SUBMITTED, "master.review", "待审核（承办单位）"),
    (Master.Status.REVIEWED, "master.select", "待遴选（主办单位）"),
    (Master.Status.SELECTED, "master.certify", "待认证（指导单位）"),
)


def search_masters(queryset: QuerySet, params) -> QuerySet:
    """Name (张), full pinyin (zhang, zhangderun) or initials (z, zdr); specialty contains;
    tier; region by its code (a county's code finds its townships and villages too)."""
    query = normalize(params.get("q") or "").strip()[:50]
    if query:
        if has_han(query):
            queryset = queryset.filter(name__contains=query)
        else:
            letters = re.sub(r"[^a-z]", "", query)
            if letters:
                queryset = queryset.filter(Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters))
            else:
                queryset = queryset.none()
    specialty = (params.get("specialty") or "").strip()[:50]
    if specialty:
        queryset = queryset.filter(specialty__contains=specialty)
    tier = params.get("tier") or ""
    if tier in Tier.values:
        queryset = queryset.filter(tier=tier)
    code = (params.get("region") or "").strip()[:12]
    if code:
        region = Region.objects.filter(code=code).only("prefix").first()
        queryset = queryset.filter(region__prefix__startswith=region.prefix) if region else queryset.none()
    return queryset
