"""Protection, consent and procedures on a technique's page (PRO-1, PRO-5)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import authorize
from lib.errors import ApplicationError
from lib.forms import DateInput
from techniques import services
from techniques.models import ConsentRecord, ProtectionRecord, Technique
from techniques.permissions import check_curate


class DocumentForm(forms.Form):
    """A form with an optional supporting document. The service types it by its content (PDF, an
    image or a Word document; never an archive) and refuses it naming its own field."""

    document = forms.FileField(required=False)


class ProtectionForm(DocumentForm):
    kind = forms.ChoiceField(choices=ProtectionRecord.Kind.choices)
    level = forms.ChoiceField(choices=ProtectionRecord.Level.choices, required=False)
    title = forms.CharField(max_length=200)
    number = forms.CharField(max_length=64, required=False)
    granted_on = forms.DateField(required=False, widget=DateInput())


class ConsentForm(DocumentForm):
    kind = forms.ChoiceField(choices=ConsentRecord.Kind.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("同意")), ("0", gettext_lazy("不同意"))], coerce=lambda v: v == "1"
    )
    holder_name = forms.CharField(max_length=64)


class ProcedureForm(DocumentForm):
    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=20000)
    quality_standard = forms.CharField(max_length=20000, required=False)


def _errors(form) -> str:
    return "；".join(
        f"{form.fields[f].label or f}：{e}" if f != "__all__" else e for f, errs in form.errors.items() for e in errs
    )


def _handle(request, pk: int, form_class, action, gate=check_curate):
    """The gate (who may do this to this technique: 404 / 403) before the form is read; a refused
    form or service ends in chuancheng.errors: the message, back on the page."""
    technique = get_object_or_404(Technique, pk=pk)
    gate(request.user, technique)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        raise ApplicationError(_errors(form))
    action(technique, form)
    messages.success(request, _("已保存"))
    return redirect("techniques:manage-detail", pk=pk)


@login_required
@require_POST
def protection_add(request, pk: int):
    return _handle(
        request,
        pk,
        ProtectionForm,
        lambda t, f: services.protection_add(
            technique=t,
            actor=request.user,
            kind=f.cleaned_data["kind"],
            level=f.cleaned_data["level"],
            title=f.cleaned_data["title"],
            number=f.cleaned_data["number"],
            granted_on=f.cleaned_data["granted_on"],
            document=f.cleaned_data["document"],
        ),
    )


@login_required
@require_POST
def consent_add(request, pk: int):
    return _handle(
        request,
        pk,
        ConsentForm,
        lambda t, f: services.consent_record(
            technique=t,
            actor=request.user,
            kind=f.cleaned_data["kind"],
            granted=f.cleaned_data["granted"],
            holder_name=f.cleaned_data["holder_name"],
            document=f.cleaned_data["document"],
        ),
    )


@login_required
@require_POST
def procedure_add(request, pk: int):
    return _handle(
        request,
        pk,
        ProcedureForm,
        lambda t, f: services.procedure_add_version(
            technique=t,
            actor=request.user,
            title=f.cleaned_data["title"],
            body=f.cleaned_data["body"],
            quality_standard=f.cleaned_data["quality_standard"],
            document=f.cleaned_data["document"],
        ),
    )


class FileForm(forms.Form):
    file = forms.FileField()
    title = forms.CharField(max_length=100, required=False)


@login_required
@require_POST
def file_add(request, pk: int):
    return _handle(
        request,
        pk,
        FileForm,
        lambda t, f: services.technique_file_add(
            technique=t, actor=request.user, upload=f.cleaned_data["file"], title=f.cleaned_data["title"]
        ),
    )


class ClassifyForm(forms.Form):
    grade = forms.ChoiceField(choices=Technique.Grade.choices, required=False)
    management_class = forms.CharField(max_length=40, required=False)
    reason = forms.CharField(max_length=200, required=False)


@login_required
@require_POST
def classify(request, pk: int):
    return _handle(
        request,
        pk,
        ClassifyForm,
        lambda t, f: services.technique_classify(
            technique=t,
            actor=request.user,
            grade=f.cleaned_data["grade"],
            management_class=f.cleaned_data["management_class"],
            reason=f.cleaned_data["reason"],
        ),
        gate=lambda user, technique: authorize(user, "technique.accept", technique),
    )
