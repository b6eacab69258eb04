"""Pages of the lineage (issue 15): the public people and paths over verified links, and the
staff's pages to enter people, links with their citations, and to verify them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import authorize, can, scope
from chuancheng.errors import errors_to
from lib.files import serve_file
from lineage import selectors, services
from lineage.forms import CitationForm, LinkForm, PersonForm
from lineage.models import Link, Person, Source
from lineage.permissions import check_view
from workflow.models import AuditEntry
from workflow.services import audit_record


def _people_for(user):
    """Whom a person may name in a link: the public people and those of their own scope."""
    visible = scope(user, "lineage.view", Person.objects.all()).values("pk")
    public = selectors.public_people().values("pk")
    return Person.objects.filter(Q(pk__in=public) | Q(pk__in=visible)).order_by("name", "pk")


@require_safe
def index(request):
    people = selectors.search_people(selectors.public_people(), request.GET.get("q", ""))
    people = people.select_related("master").order_by(*selectors.PEOPLE_ORDER)
    page = Paginator(people, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "lineage/index.html",
        {"page": page, "q": request.GET.get("q", ""), "may_enter": can(request.user, "lineage.edit")},
    )


@require_safe
def person(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("master", "region"), pk=pk)
    public = selectors.is_public(person)
    staff = can(request.user, "lineage.view", person)
    if not public and not staff:
        check_view(request.user, person)
    shows_details = staff or person.shows_details
    if staff and not person.shows_details:
        # A living person's details beyond the name are personal data (PIPL): read on record.
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=person, reason="查看脉络人物")
    context = {
        "person": person,
        "shows_details": shows_details,
        "staff": staff,
        "teachers": selectors.verified_links(person, as_teacher=False),
        "disciples": selectors.verified_links(person, as_teacher=True),
        "up": selectors.generations(person, up=True),
        "down": selectors.generations(person, up=False),
        "generation": selectors.generation(person.pk),
    }
    return render(request, "lineage/person.html", context)


@require_safe
def path_between(request):
    people = selectors.public_people().order_by("name", "pk")
    a = b = steps = None
    try:
        a_id, b_id = int(request.GET.get("a") or 0), int(request.GET.get("b") or 0)
    except ValueError:
        a_id = b_id = 0
    if a_id and b_id:
        a = people.filter(pk=a_id).first()
        b = people.filter(pk=b_id).first()
        if a is None or b is None:
            raise Http404
        steps = selectors.path_between(a, b)
    return render(
        request,
        "lineage/path.html",
        {"people": people, "a": a, "b": b, "a_id": a_id, "b_id": b_id, "steps": steps, "asked": bool(a)},
    )


@login_required
@require_safe
def manage(request):
    authorize(request.user, "lineage.view")
    links = (
        scope(request.user, "lineage.view", Link.objects.all())
        .select_related("teacher", "disciple")
        .order_by("status", "-updated_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Link.Status.values:
        links = links.filter(status=status)
    people = scope(request.user, "lineage.view", Person.objects.all())
    context = {
        "page": Paginator(links, 30).get_page(request.GET.get("page")),
        "status": status,
        "statuses": Link.Status.choices,
        "gaps": selectors.people_without_sources(people).order_by("name", "pk")[:50],
        "may_enter": can(request.user, "lineage.edit"),
    }
    return render(request, "lineage/manage.html", context)


@login_required
def person_create(request):
    authorize(request.user, "lineage.edit")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_to(form):
            made = services.person_create(actor=request.user, **form.cleaned_data)
            return redirect(made)
    return render(request, "lineage/person_form.html", {"form": form})


@login_required
def link_create(request):
    authorize(request.user, "lineage.edit")
    sources = scope(request.user, "lineage.view", Source.objects.all())
    form = LinkForm(
        request.POST or None,
        request.FILES or None,
        people=_people_for(request.user),
        sources=sources,
        initial={"teacher": request.GET.get("teacher"), "disciple": request.GET.get("disciple")},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with errors_to(form):
            made = services.link_create_with_source(
                actor=request.user,
                teacher=d["teacher"],
                disciple=d["disciple"],
                kind=d["kind"],
                start=d["start"],
                end=d["end"],
                certainty=d["certainty"],
                disputed=d["disputed"],
                dispute_note=d["dispute_note"],
                source=d["source"],
                new_source=form.new_source(),
                quoted_text=d["quoted_text"],
                page=d["page"],
                citation_certainty=d["citation_certainty"],
            )
            return redirect(made)
    return render(request, "lineage/link_form.html", {"form": form})


@require_safe
def link_detail(request, pk: int):
    link = get_object_or_404(Link.objects.select_related("teacher", "disciple"), pk=pk)
    if not link.is_public:
        check_view(request.user, link)
    may_cite = link.status in (Link.Status.DRAFT, Link.Status.RETURNED) and can(request.user, "lineage.edit", link)
    form = CitationForm(sources=scope(request.user, "lineage.view", Source.objects.all())) if may_cite else None
    citations = link.citations.select_related("source")
    return render(
        request,
        "lineage/link.html",
        {"link": link, "citations": citations, "form": form, "staff": can(request.user, "lineage.view", link)},
    )


@login_required
@require_POST
def citation_add(request, pk: int):
    link = get_object_or_404(Link, pk=pk)
    authorize(request.user, "lineage.edit", link)
    form = CitationForm(request.POST, sources=scope(request.user, "lineage.view", Source.objects.all()))
    if form.is_valid():
        with errors_to(form):
            services.citation_add(actor=request.user, link=link, **form.cleaned_data)
            return redirect(link)
    citations = link.citations.select_related("source")
    return render(
        request, "lineage/link.html", {"link": link, "citations": citations, "form": form, "staff": True}, status=400
    )


@login_required
@require_safe
def source_file(request, pk: int):
    source = get_object_or_404(Source, pk=pk)
    # Interview recordings and transcripts name living people: staff in scope only.
    authorize(request.user, "lineage.view", source)
    if not source.file:
        raise Http404
    return serve_file(source.file, content_type=source.file_type, download_name=f"来源{source.pk}")
