from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from jobs.models import Job


@login_required
def job_detail(request, pk: int):
    """The progress bar: the page polls this with htmx until the job finishes."""
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    template = "jobs/_progress.html" if request.headers.get("HX-Request") else "jobs/job_detail.html"
    return render(request, template, {"job": job})
