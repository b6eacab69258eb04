"""The files of a technique, each kind through its own permission-checked view (issue 13 §1).

Who may open a file is who may open the technique's management page: `technique.view` on the
technique (outside the person's scope it does not exist: 404; nobody signed out reaches one). The
public page of a published technique shows no file: a scan of the paper form, the holders' signed
consent, protection papers and procedures are records of the declaration, and images or video
were uploaded for the reviewers, without any consent to publish them recorded per file. So every
file here is private (`no-store`); none is served to the public.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from accounts.permissions import authorize
from lib.files import serve_file
from techniques.models import ConsentRecord, Procedure, ProtectionRecord, Technique, TechniqueFile


def _check(request, technique: Technique) -> None:
    if not request.user.is_authenticated:
        raise Http404
    authorize(request.user, "technique.view", technique)


@require_safe
def scanned_original(request, pk: int):
    technique = get_object_or_404(Technique, pk=pk)
    _check(request, technique)
    return serve_file(
        technique.scanned_original,
        content_type=technique.scanned_original_type,
        download_name=f"{technique.code or technique.pk}-纸质申报表",
    )


@require_safe
def technique_file(request, pk: int):
    record = get_object_or_404(TechniqueFile.objects.select_related("technique"), pk=pk)
    _check(request, record.technique)
    return serve_file(
        record.file,
        content_type=record.content_type,
        download_name=record.title or f"{record.technique.name}-{record.get_kind_display()}",
    )


@require_safe
def protection_document(request, pk: int):
    record = get_object_or_404(ProtectionRecord.objects.select_related("technique"), pk=pk)
    _check(request, record.technique)
    return serve_file(record.document, content_type=record.document_type, download_name=f"{record.title}-证明文件")


@require_safe
def consent_document(request, pk: int):
    record = get_object_or_404(ConsentRecord.objects.select_related("technique"), pk=pk)
    _check(request, record.technique)
    return serve_file(
        record.document, content_type=record.document_type, download_name=f"{record.holder_name}-签字文件"
    )


@require_safe
def procedure_document(request, pk: int):
    record = get_object_or_404(Procedure.objects.select_related("technique"), pk=pk)
    _check(request, record.technique)
    return serve_file(
        record.document, content_type=record.document_type, download_name=f"{record.title}-v{record.version}"
    )
