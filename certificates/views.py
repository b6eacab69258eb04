from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.permissions import authorize, scope
from accounts.ratelimits import per_ip
from certificates import selectors, services, signing
from certificates.forms import CertificateFilterForm, LookupForm, RevokeForm
from certificates.models import Certificate
from certificates.permissions import may_revoke
from certificates.qr import qr_svg_inline
from chuancheng.errors import errors_to
from workflow.models import AuditEntry
from workflow.services import audit_record

# --- public verification (APP-8) -----------------------------------------------------------------


@per_ip("public_verify_ip")
def verify_lookup(request):
    form = LookupForm(request.GET or None)
    if form.is_valid():
        url = reverse("certificates:verify", args=[form.cleaned_data["number"].strip().upper()])
        code = form.cleaned_data["c"].strip()
        return redirect(f"{url}?{urlencode({'c': code})}" if code else url)
    return render(request, "certificates/verify_lookup.html", {"form": form}, status=400 if form.errors else 200)


@require_safe
@per_ip("public_verify_ip")
def verify(request, number: str):
    code, signature = request.GET.get("c", "")[:40], request.GET.get("s", "")[:200]
    context = {"number": number, "code": code}
    if not code and not signature:
        # Asked for the code whatever the number: the page does not say whether it was issued.
        return render(request, "certificates/verify.html", {**context, "state": "ask"})
    certificate = selectors.certificate_for_verification(number, code=code, signature=signature)
    if certificate is None:
        return render(request, "certificates/verify.html", {**context, "state": "unknown"}, status=404)
    result = selectors.verify(certificate, signature=signature, data=request.GET.get("d", "")[:2000])
    return render(request, "certificates/verify.html", {**context, "state": "found", "result": result})


@require_safe
def verify_key(request):
    if request.GET.get("format") == "pem":
        response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
        response["Content-Disposition"] = 'attachment; filename="chuancheng-certificate-key.pem"'
        return response
    return render(
        request,
        "certificates/verify_key.html",
        {"pem": signing.public_key_pem(), "fingerprint": signing.public_key_fingerprint()},
    )


# --- certificates of the people in scope ---------------------------------------------------------


def _certificate(request, number: str, act: str = "certificate.view") -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("issuer", "master", "holder"), number=number)
    authorize(request.user, act, certificate)
    if request.user.pk not in (certificate.holder_id, certificate.master.user_id):
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=certificate, reason="查看证书")
    return certificate


@login_required
@require_safe
def certificate_list(request):
    rows = scope(request.user, "certificate.view", Certificate.objects.all())
    rows = selectors.search_certificates(rows, request.GET).select_related(*selectors.LIST_RELATED)
    page = Paginator(rows.order_by("-issued_on", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "certificates/list.html", {"page": page, "form": CertificateFilterForm(request.GET or None)})


@login_required
@require_safe
def certificate_detail(request, number: str):
    certificate = _certificate(request, number)
    text = signing.qr_text_for(certificate, request)
    context = {
        "certificate": certificate,
        "qr_svg": qr_svg_inline(text),
        "qr_link": text,
        "may_revoke": may_revoke(request.user, certificate),
    }
    return render(request, "certificates/detail.html", context)


@login_required
@require_safe
def certificate_pdf(request, number: str):
    certificate = _certificate(request, number)
    data = selectors.certificate_pdf(certificate, request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


@login_required
def certificate_revoke(request, number: str):
    certificate = _certificate(request, number)
    if not may_revoke(request.user, certificate):
        raise PermissionDenied(_("只有颁发单位（%(issuer)s）可以撤销此证书") % {"issuer": certificate.issuer.name})
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            services.certificate_revoke(
                certificate=certificate,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                category=form.cleaned_data["category"],
            )
        if not form.errors:
            messages.success(
                request,
                _("证书 %(number)s 已撤销，公开查验页面将显示“已撤销”及撤销类别。") % {"number": certificate.number},
            )
            return redirect(reverse("certificates:certificate-detail", args=[certificate.number]))
    return render(request, "certificates/revoke.html", {"certificate": certificate, "form": form})
