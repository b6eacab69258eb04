"""Reads for masters: the public directory's search and filters, the review queues."""

from __future__ import annotations

import re
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region
from accounts.permissions import can
from lib.chinese import has_han, normalize
from lib.errors import ApplicationError
from masters.models import Master, MasterMaterial, Tier

# The review queue's tabs: the states in which a programme unit decides, by heading. Which unit
# works each one is the transition table's act for that state.
STAGE_HEADINGS = {
    Master.Status.SUBMITTED: gettext_lazy("待审核（承办单位）"),
    Master.Status.REVIEWED: gettext_lazy("待遴选（主办单位）"),
    Master.Status.SELECTED: gettext_lazy("待认证（指导单位）"),
}


class Stage(NamedTuple):
    status: str
    act: str
    heading: str
    active: bool = False


def stages_for(user, wanted: str = "") -> list[Stage]:
    """The stages this person works (the act of each comes from Master.TRANSITIONS), the one
    asked for (else the first) marked active."""
    stages = []
    for status, heading in STAGE_HEADINGS.items():
        act = next(iter(Master.TRANSITIONS[status].values()))
        if can(user, act):
            stages.append(Stage(status=status, act=act, heading=str(heading)))
    if not stages:
        return []
    active = next((s for s in stages if s.status == wanted), stages[0])
    return [s._replace(active=s is active) for s in stages]


def search_masters(queryset: QuerySet, params) -> QuerySet:
    """Name (张) — or, in Chinese, specialty or disease —, full pinyin (zhang, zhangderun) or
    initials (z, zdr); specialty contains;
    disease (a master who treats it: named in their specialty or profile, or a disease of one of
    their published techniques); tier; region by its code (a county's code finds its townships and
    villages too)."""
    query = normalize(params.get("q") or "").strip()[:50]
    if query:
        if has_han(query):
            # One box finds a master by name, specialty or a disease they treat: people search for
            # "针灸" or "中风" as often as for a name (issue 12 §19).
            queryset = queryset.filter(Q(name__contains=query) | Q(specialty__contains=query) | _treats(query))
        else:
            letters = re.sub(r"[^a-z]", "", query)
            if letters:
                queryset = queryset.filter(Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters))
            else:
                queryset = queryset.none()
    specialty = (params.get("specialty") or "").strip()[:50]
    if specialty:
        queryset = queryset.filter(specialty__contains=specialty)
    disease = normalize(params.get("disease") or "").strip()[:50]
    if disease:
        queryset = queryset.filter(_treats(disease))
    tier = params.get("tier") or ""
    if tier in Tier.values:
        queryset = queryset.filter(tier=tier)
    code = (params.get("region") or "").strip()
    if code:
        region = Region.objects.filter(code=code[:12]).only("prefix").first()
        if region is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": code[:20]}, field="region")
        queryset = queryset.filter(region__prefix__startswith=region.prefix)
    return queryset


def _treats(disease: str) -> Q:
    """Masters who treat `disease`, by what the public may read of them: their specialty and
    profile, and the diseases and other indications of their published techniques. (Case records
    say more, but they are patients' records, never searched by the public.)"""
    from techniques.models import Technique

    published = Technique.objects.filter(status=Technique.Status.PUBLISHED).filter(
        Q(diseases__name__contains=disease) | Q(indications_free__contains=disease)
    )
    teaching = Master.techniques.through.objects.filter(technique__in=published.values("pk")).values("master_id")
    return Q(specialty__contains=disease) | Q(bio__contains=disease) | Q(pk__in=teaching)


# How many of each apprentice list a profile shows; the rest are counted.
PROFILE_APPRENTICES = 50


def profile_context(master: Master, viewer) -> dict:
    """What a certified master's public profile shows beyond the record: published materials,
    current and former apprentices (names masked unless the viewer is staff in scope or the master),
    and the master certificate. A fixed number of queries whatever the sizes."""
    from certificates.models import Certificate
    from lib.masking import mask_name

    materials = list(
        master.materials.filter(status=MasterMaterial.Status.PUBLISHED)
        .prefetch_related("partners")
        .order_by("kind", "-created_at", "-pk")
    )
    full_names = viewer.is_authenticated and can(viewer, "master.view", master)
    # Read through the relation apprenticeships declares (Apprenticeship.master): masters does not
    # import apprenticeships, which builds on masters.
    rows = master.apprenticeships.select_related("apprentice", "organization").order_by("-starts_on", "-pk")
    active = rows.model.Status.ACTIVE
    current = list(rows.filter(status=active)[:PROFILE_APPRENTICES])
    former = list(rows.exclude(status=active)[:PROFILE_APPRENTICES])
    for row in current + former:
        name = row.apprentice.full_name or row.apprentice.username
        row.shown_name = name if full_names else mask_name(name)
    certificate = (
        Certificate.objects.filter(master=master, kind=Certificate.Kind.MASTER).order_by("-issued_on", "-pk").first()
    )
    return {
        "materials": materials,
        "videos": [m for m in materials if m.kind == MasterMaterial.Kind.VIDEO],
        "images": [m for m in materials if m.kind == MasterMaterial.Kind.IMAGE],
        "documents": [m for m in materials if m.kind in (MasterMaterial.Kind.TEXTBOOK, MasterMaterial.Kind.PROTOCOL)],
        "products": [m for m in materials if m.kind == MasterMaterial.Kind.PRODUCT],
        "current_apprentices": current,
        "former_apprentices": former,
        "certificate": certificate,
        "can_manage_materials": can(viewer, "master.material_manage", master),
    }
