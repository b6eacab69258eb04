from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Organization
from accounts.permissions import authorize, can, scope
from accounts.ratelimits import per_ip
from chuancheng.errors import errors_to
from lib.errors import ApplicationError
from lib.pagination import CappedPaginator
from techniques import selectors, services
from techniques.forms import DeclarationForm, HolderFormSet, OfflineForm, ReasonForm, RenameForm, split_names
from techniques.models import ProtectionRecord, ResearchProject, SimilarityFlag, Technique, Term, Vocabulary
from techniques.permissions import may_classify, may_curate, may_decide_duplicates, may_edit
from workflow.models import AuditEntry
from workflow.services import authorize_moves

LIST_RELATED = ("region", "category", "inheritance")


def _vocab_options():
    return {
        "categories": Term.objects.filter(vocabulary=Vocabulary.CATEGORY, is_active=True),
        "inheritances": Term.objects.filter(vocabulary=Vocabulary.INHERITANCE, is_active=True),
    }


# --- the public catalogue ------------------------------------------------------------------------


@require_safe
@per_ip("public_search_ip")
def public_list(request):
    published = Technique.objects.filter(status=Technique.Status.PUBLISHED)
    results = selectors.filter_techniques(published, request.GET)
    page = Paginator(results.select_related(*LIST_RELATED), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "facets": selectors.facets(results, region=request.GET.get("region", "")),
        "public": True,
        "sorts": selectors.SORTS,
        **_vocab_options(),
    }
    return render(request, "techniques/list.html", context)


@require_safe
def public_detail(request, pk: int):
    technique = get_object_or_404(
        Technique.objects.select_related(*LIST_RELATED).prefetch_related(
            "diseases",
            "syndromes",
            "features",
            "holders",
            "protections",
            Prefetch(
                "research_projects",
                queryset=ResearchProject.objects.filter(is_public=True).order_by("-started_on", "pk"),
                to_attr="public_projects",
            ),
        ),
        pk=pk,
        status=Technique.Status.PUBLISHED,
    )
    return render(request, "techniques/public_detail.html", {"technique": technique})


# --- the staff database --------------------------------------------------------------------------


@login_required
@require_safe
def manage_list(request):
    visible = scope(request.user, "technique.view", Technique.objects.all())
    results = selectors.filter_techniques(visible, request.GET)
    page = CappedPaginator(results.select_related(*LIST_RELATED), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "facets": selectors.facets(results, region=request.GET.get("region", "")),
        "public": False,
        "sorts": selectors.SORTS,
        "can_export": can(request.user, "technique.export"),
        "can_declare": can(request.user, "technique.create"),
        **_vocab_options(),
    }
    return render(request, "techniques/list.html", context)


@login_required
@require_safe
def manage_detail(request, pk: int):
    technique = get_object_or_404(
        Technique.objects.select_related(*LIST_RELATED, "entered_by", "entered_org", "merged_into").prefetch_related(
            "diseases",
            "syndromes",
            "features",
            "files",
            "protections",
            "consents",
            "procedures",
            Prefetch("research_projects", queryset=ResearchProject.objects.order_by("-started_on", "pk")),
            Prefetch(
                "similarity_flags",
                queryset=SimilarityFlag.objects.filter(resolved=False).select_related("similar_to"),
                to_attr="open_flags",
            ),
            "merged_from",
        ),
        pk=pk,
    )
    authorize(request.user, "technique.view", technique)
    holders = list(technique.holders.all())
    # Full ID numbers only for the county staff who verify identity documents.
    show_ids = can(request.user, "technique.verify", technique)
    if holders:
        services.holders_viewed(viewer=request.user, technique=technique)
    # A merged declaration's history stays its own, and reads on here, where its files went.
    merged = [str(m.pk) for m in technique.merged_from.all()]
    history = (
        AuditEntry.objects.filter(
            content_type__app_label="techniques",
            content_type__model="technique",
            object_id__in=[str(technique.pk), *merged],
            action__in=[AuditEntry.Action.CREATE, AuditEntry.Action.TRANSITION],
        )
        .select_related("actor")
        .order_by("created_at")[:200]
    )
    context = {
        "technique": technique,
        "holders": holders,
        "show_ids": show_ids,
        "completeness": services.technique_completeness(technique),
        "can_edit": may_edit(request.user, technique),
        "history": history,
        "can_curate": may_curate(request.user, technique),
        "open_flags": technique.open_flags,
        "technique_pk": str(technique.pk),
        # Deciding a pair is for the staff handling it (the service also checks the other one).
        "can_decide_duplicates": bool(technique.open_flags) and may_decide_duplicates(request.user, technique),
        "can_classify": may_classify(request.user, technique),
        "grades": Technique.Grade.choices,
        "protection_kinds": ProtectionRecord.Kind.choices,
        "protection_levels": ProtectionRecord.Level.choices,
        **_research_context(request.user, technique),
    }
    return render(request, "techniques/manage_detail.html", context)


LINKABLE_PROJECTS = 100


def _research_context(user, technique: Technique) -> dict:
    """The projects this person keeps that the technique could be linked to (the latest few;
    a project's own page links any technique by its code)."""
    if not can(user, "research.manage"):
        return {"can_link_research": False, "linkable_projects": []}
    linked = [p.pk for p in technique.research_projects.all()]
    projects = scope(user, "research.manage", ResearchProject.objects.exclude(pk__in=linked))
    return {
        "can_link_research": True,
        "linkable_projects": list(projects.order_by("-updated_at", "-pk").only("pk", "title")[:LINKABLE_PROJECTS]),
    }


def _offline_orgs(user):
    return (
        Organization.objects.filter(memberships__user=user, memberships__role="office_staff")
        .select_related("region")
        .distinct()
    )


def _declaration_forms(request, instance=None):
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = DeclarationForm(data, instance=instance)
    initial = None
    if instance is not None:
        initial = [
            {
                "name": h.name,
                "phone": h.phone,
                "qualifications": h.qualifications,
                "is_recognised_specialist": h.is_recognised_specialist,
            }
            for h in instance.holders.all()
        ]
    holders = HolderFormSet(data, prefix="holders", initial=initial)
    offline_orgs = _offline_orgs(request.user)
    offline = OfflineForm(data, files, organizations=offline_orgs, prefix="offline") if offline_orgs.exists() else None
    return form, holders, offline


def _save_declaration(request, form, holders, offline, instance=None):
    cleaned = dict(form.cleaned_data)
    region = cleaned.pop("region_code")
    term_fields = {}
    free = [cleaned.get("indications_free", "")]
    for key, vocabulary in (
        ("diseases_text", Vocabulary.DISEASE),
        ("syndromes_text", Vocabulary.SYNDROME),
        ("features_text", Vocabulary.FEATURE),
    ):
        known, unknown = services.resolve_terms(vocabulary, split_names(cleaned.pop(key)))
        term_fields[key.removesuffix("_text")] = known
        if unknown and vocabulary != Vocabulary.FEATURE:
            free.extend(unknown)
    cleaned["indications_free"] = "、".join(dict.fromkeys(f for f in free if f))[:500]
    holder_data = [services.HolderData(**h) for h in holders.cleaned_data if h.get("name")]
    if instance is None:
        channel = Technique.Channel.ONLINE
        extra = {}
        if offline is not None and request.POST.get("channel") == "offline":
            if not offline.is_valid():
                raise ApplicationError("；".join(e for errs in offline.errors.values() for e in errs))
            channel = Technique.Channel.OFFLINE
            extra["entered_org"] = offline.cleaned_data["entered_org"]
            if offline.cleaned_data.get("scanned_original"):
                extra["scanned_original"] = offline.cleaned_data["scanned_original"]
        return services.technique_create(
            actor=request.user,
            channel=channel,
            region=region,
            holders=holder_data or None,
            **term_fields,
            **cleaned,
            **extra,
        )
    return services.technique_update(
        technique=instance, actor=request.user, region=region, holders=holder_data, **term_fields, **cleaned
    )


@login_required
def declaration_create(request):
    authorize(request.user, "technique.create")
    form, holders, offline = _declaration_forms(request)
    if request.method == "POST" and form.is_valid() and holders.is_valid():
        with errors_to(form):
            technique = _save_declaration(request, form, holders, offline)
        if not form.errors:
            messages.success(request, _("申报已保存为草稿。请检查完整度后提交。"))
            return redirect("techniques:manage-detail", pk=technique.pk)
    return render(request, "techniques/declaration_form.html", {"form": form, "holders": holders, "offline": offline})


@login_required
def declaration_edit(request, pk: int):
    technique = get_object_or_404(Technique, pk=pk)
    authorize(request.user, "technique.edit", technique)
    form, holders, _offline = _declaration_forms(request, instance=technique)
    if request.method == "POST" and form.is_valid() and holders.is_valid():
        with errors_to(form):
            _save_declaration(request, form, holders, None, instance=technique)
        if not form.errors:
            messages.success(request, _("已保存"))
            return redirect("techniques:manage-detail", pk=technique.pk)
    return render(
        request,
        "techniques/declaration_form.html",
        {"form": form, "holders": holders, "offline": None, "technique": technique},
    )


# The two URLs that carried the page's buttons before the workflow's one endpoint
# (workflow:move): kept for bookmarks and API-less scripts; both make the same moves.


@login_required
@require_POST
def declaration_submit(request, pk: int):
    technique = get_object_or_404(Technique, pk=pk)
    authorize(request.user, "technique.submit", technique)
    services.technique_submit(technique=technique, actor=request.user)
    messages.success(request, _("申报已提交，等待乡镇或县级受理。"))
    return redirect("techniques:manage-detail", pk=technique.pk)


@login_required
@require_POST
def technique_advance(request, pk: int):
    technique = get_object_or_404(Technique, pk=pk)
    authorize_moves(request.user, technique)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("；".join(e for errs in form.errors.values() for e in errs))
    services.technique_advance(
        technique=technique, actor=request.user, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("状态已变更为「%(state)s」") % {"state": Technique.Status(form.cleaned_data["to"]).label}
    )
    return redirect("techniques:manage-detail", pk=technique.pk)


@login_required
@require_safe
def term_suggest(request):
    """Datalist options for the vocabulary inputs (htmx)."""
    vocabulary = request.GET.get("vocabulary", "")
    query = (request.GET.get("q") or "").strip()[:20]
    terms = Term.objects.none()
    if vocabulary in Vocabulary.values and query:
        terms = Term.objects.filter(vocabulary=vocabulary, is_active=True, name__contains=query).order_by("name")[:20]
    return render(request, "techniques/_term_options.html", {"terms": terms})


# --- vocabularies --------------------------------------------------------------------------------


@login_required
def vocabulary_list(request):
    authorize(request.user, "vocabulary.manage")
    vocabulary = request.GET.get("vocabulary") or Vocabulary.CATEGORY
    if vocabulary not in Vocabulary.values:
        raise Http404
    query = (request.GET.get("q") or "").strip()
    terms = Term.objects.filter(vocabulary=vocabulary)
    if query:
        terms = terms.filter(name__contains=query)
    if request.method == "POST":
        services.term_create(actor=request.user, vocabulary=vocabulary, name=request.POST.get("name", ""))
        messages.success(request, _("已添加"))
        return redirect(f"{request.path}?vocabulary={vocabulary}")
    page = Paginator(terms.annotate(revision_count=Count("revisions")), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "techniques/vocabulary_list.html",
        {
            "page": page,
            "vocabulary": vocabulary,
            "vocabularies": Vocabulary.choices,
            "rename_form": RenameForm(),
            "q": query,
        },
    )


@login_required
@require_POST
def term_rename(request, pk: int):
    term = get_object_or_404(Term, pk=pk)
    authorize(request.user, "vocabulary.manage")
    form = RenameForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("；".join(e for errs in form.errors.values() for e in errs))
    services.term_rename(
        term=term,
        actor=request.user,
        new_name=form.cleaned_data["new_name"],
        reason=form.cleaned_data["reason"],
    )
    messages.success(request, _("已更名，使用该术语的记录随之更新"))
    return redirect(f"/techniques/vocabularies/?vocabulary={term.vocabulary}")


# --- the collection dashboard (TEC-4) ----------------------------------------------------------


@login_required
@require_safe
def dashboard(request):
    visible = scope(request.user, "technique.view", Technique.objects.all())
    figures = selectors.dashboard_figures(visible)
    return render(request, "techniques/dashboard.html", {"figures": figures})
