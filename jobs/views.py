import posixpath

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from jobs.models import Job
from jobs.services import output_type_of
from lib import files


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
    """A job's result file, for its owner only (anyone else: 404). The platform wrote it; it is
    served with the type recorded then, never from MEDIA_ROOT directly (an error workbook repeats
    what the person uploaded)."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    if not job.output_file:
        raise Http404
    # Outputs stored before their type was recorded carry the name the platform gave them.
    legacy_name = posixpath.basename(job.output_file.name)
    content_type = job.output_type or output_type_of(legacy_name)
    return files.serve_file(job.output_file, content_type=content_type, download_name=job.output_name or legacy_name)
