"""The batch channel's pages: download the template, upload the workbook and the zip of documents,
and, for a refused batch, the workbook with each problem marked."""

import base64

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.models import Organization
from accounts.permissions import authorize, scope
from apprenticeships import importing
from chuancheng.errors import errors_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 250 * 1024 * 1024


class ImportForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("办理单位"), queryset=Organization.objects.none())
    workbook = forms.FileField(label=_("填好的申请表（.xlsx）"))
    archive = forms.FileField(label=_("材料压缩包（.zip）"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = scope(
            user, "apprentice_application.import", Organization.objects.filter(kind=Organization.Kind.ORGANIZING)
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean(self):
        data = super().clean()
        for name in ("workbook", "archive"):
            upload = data.get(name)
            if upload is not None and upload.size > MAX_UPLOAD:
                self.add_error(name, _("文件不能超过 250 MB"))
        return data


@login_required
@require_safe
def import_template(request):
    authorize(request.user, "apprentice_application.import")
    response = HttpResponse(importing.build_template(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%B8%88%E6%89%BF%E7%94%B3%E8%AF%B7%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@login_required
def application_import(request):
    authorize(request.user, "apprentice_application.import")
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = error_sheet = None
    if request.method == "POST" and form.is_valid():
        archive = form.cleaned_data.get("archive")
        with errors_to(form):
            result = importing.application_import(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                workbook=form.cleaned_data["workbook"].read(),
                archive=archive.read() if archive else None,
            )
        if result is not None and result.ok:
            messages.success(request, result.summary)
            return redirect("apprenticeships:review-queue")
        if result is not None:
            # Nothing of a refused batch is kept (it holds ID numbers and phones): the marked copy
            # travels back in the page itself, as a link the browser saves.
            error_sheet = base64.b64encode(result.error_workbook()).decode()
    context = {"form": form, "result": result, "error_sheet": error_sheet, "xlsx": XLSX}
    return render(request, "apprenticeships/import.html", context)
