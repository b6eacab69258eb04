import mimetypes
import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from jobs.models import Job


@login_required
@require_safe
def job_detail(request, pk: int):
    """The progress bar: the page polls this with htmx until the job finishes."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/job_detail.html"
    return render(request, template, {"job": job})


@login_required
@require_safe
def job_output(request, pk: int):
    """A job's result file, for its owner only and always as a download: files under MEDIA_ROOT
    are never served directly (an error workbook repeats what the person uploaded)."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    if not job.output_file:
        raise Http404
    name = os.path.basename(job.output_file.name)
    # The platform wrote this file itself (a workbook, a CSV, a PDF): its name says what it is.
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(job.output_file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
