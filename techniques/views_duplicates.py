"""Possible duplicates (issue 12 §10): staff merge one declaration into another, or close a
flagged pair as two different techniques. Both are decisions of someone who handles both
declarations; the services check it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import authorize, scope
from chuancheng.errors import back_url
from lib.errors import ApplicationError
from lib.params import as_id
from techniques import services
from techniques.models import SimilarityFlag, Technique
from workflow.services import moves


def _candidates(user, technique: Technique) -> list[Technique]:
    """The declarations flagged as possibly the same, both ways, that this person can see."""
    flagged = SimilarityFlag.objects.filter(Q(technique=technique) | Q(similar_to=technique), resolved=False)
    ids = {pk for pair in flagged.values_list("technique_id", "similar_to_id") for pk in pair} - {technique.pk}
    visible = scope(user, "technique.view", Technique.objects.filter(pk__in=ids))
    return list(visible.exclude(status__in=[Technique.Status.MERGED, Technique.Status.DRAFT]).order_by("pk"))


def _into(request, candidates: list[Technique]) -> Technique:
    """The kept declaration: one of the flagged ones, or any by its number."""
    chosen = as_id(request.POST.get("into"))
    if chosen is not None:
        found = next((t for t in candidates if t.pk == chosen), None)
        if found is not None:
            return found
    code = (request.POST.get("code") or "").strip()[:20]
    if code:
        found = scope(request.user, "technique.view", Technique.objects.filter(code=code)).first()
        if found is None:
            raise ApplicationError(_("编号「%(code)s」的申报不存在或不在您的查看范围内") % {"code": code}, field="code")
        return found
    raise ApplicationError(_("请选择保留的申报，或填写其编号"), field="into")


@login_required
def merge(request, pk: int):
    technique = get_object_or_404(Technique.objects.select_related("region"), pk=pk)
    authorize(request.user, "technique.view", technique)
    if not any(m.to == Technique.Status.MERGED for m in moves(technique, request.user)):
        raise PermissionDenied(_("没有权限：合并该申报"))
    candidates = _candidates(request.user, technique)
    if request.method == "POST":
        into = _into(request, candidates)
        services.technique_merge(
            technique=technique,
            into=into,
            actor=request.user,
            reason=request.POST.get("reason", "")[:200],
            expect=request.POST.get("expect") or None,
        )
        messages.success(request, _("「%(merged)s」已合并入本申报，附件和记录随之保留") % {"merged": technique.name})
        return redirect(into.get_absolute_url())
    return render(request, "techniques/merge.html", {"technique": technique, "candidates": candidates})


@login_required
@require_POST
def flag_dismiss(request, pk: int):
    flag = get_object_or_404(SimilarityFlag.objects.select_related("technique", "similar_to"), pk=pk)
    services.similarity_flag_dismiss(flag=flag, actor=request.user, reason=request.POST.get("reason", "")[:200])
    messages.success(request, _("已标记为不是重复：「%(a)s」与「%(b)s」") % {"a": flag.technique, "b": flag.similar_to})
    return redirect(back_url(request) or flag.technique.get_absolute_url())
