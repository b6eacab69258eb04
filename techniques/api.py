"""The techniques API (issue 4 §8): the public catalogue, the staff database, declarations and
their workflow, vocabularies, dashboard figures."""

from datetime import date

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from accounts.models import Region
from accounts.permissions import authorize, scope
from chuancheng.api_gate import gated
from lib.pagination import LimitOffsetPagination
from techniques import research, selectors, services
from techniques.models import ResearchProject, Technique, Term

router = Router(tags=["techniques"])


class TermOut(Schema):
    id: int
    vocabulary: str
    name: str
    version: int


class TechniqueListOut(Schema):
    id: int
    code: str | None
    name: str
    status: str
    region: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    category: str | None = Field(None, alias="category.name")
    inheritance: str | None = Field(None, alias="inheritance.name")
    grade: str


class TechniqueOut(TechniqueListOut):
    origin_history: str
    theory_features: str
    operation_method: str
    contraindications: str
    typical_cases: str
    indications_free: str
    diseases: list[str]
    syndromes: list[str]
    features: list[str]
    holders: list[str]

    @staticmethod
    def resolve_diseases(obj):
        return [t.name for t in obj.diseases.all()]

    @staticmethod
    def resolve_syndromes(obj):
        return [t.name for t in obj.syndromes.all()]

    @staticmethod
    def resolve_features(obj):
        return [t.name for t in obj.features.all()]

    @staticmethod
    def resolve_holders(obj):
        return [h.name for h in obj.holders.all()]


class DeclarationIn(Schema):
    name: str
    region: str
    category: int
    inheritance: int
    theory_features: str = ""
    operation_method: str = ""
    origin_history: str = ""
    contraindications: str = ""
    typical_cases: str = ""
    diseases: list[str] = []
    syndromes: list[str] = []
    features: list[str] = []
    consent_publish: bool
    consent_research: bool


class AdvanceIn(Schema):
    to: str
    reason: str = ""
    # The state the caller saw: when the declaration has moved on since, nothing changes (409).
    expect: str | None = None


DETAIL_PREFETCH = ("diseases", "syndromes", "features", "holders")
LIST_RELATED = ("region", "category", "inheritance")


def _filters(request) -> dict:
    return {k: v for k, v in request.GET.items()}


@router.get("public/techniques", response=list[TechniqueListOut], auth=None, operation_id="technique_public_list")
@paginate(LimitOffsetPagination)
def technique_public_list(request, q: str = "", region: str = "", category: str = "", sort: str = ""):
    """Published techniques; `q` searches Chinese words and pinyin."""
    published = Technique.objects.filter(status=Technique.Status.PUBLISHED).select_related(*LIST_RELATED)
    return selectors.filter_techniques(published, _filters(request))


@router.get("public/techniques/{pk}", response=TechniqueOut, auth=None, operation_id="technique_public_get")
def technique_public_get(request, pk: int):
    return get_object_or_404(
        Technique.objects.select_related(*LIST_RELATED).prefetch_related(*DETAIL_PREFETCH),
        pk=pk,
        status=Technique.Status.PUBLISHED,
    )


@router.get("techniques", response=list[TechniqueListOut], operation_id="technique_list")
@paginate(LimitOffsetPagination)
def technique_list(request, q: str = "", status: str = "", region: str = "", category: str = "", sort: str = ""):
    """Declarations and techniques within the caller's scope, filtered like the staff database."""
    visible = scope(request.user, "technique.view", Technique.objects.select_related(*LIST_RELATED))
    return selectors.filter_techniques(visible, _filters(request))


@router.get("techniques/{pk}", response=TechniqueOut, operation_id="technique_get")
def technique_get(request, pk: int):
    technique = get_object_or_404(
        Technique.objects.select_related(*LIST_RELATED).prefetch_related(*DETAIL_PREFETCH), pk=pk
    )
    authorize(request.user, "technique.view", technique)
    services.holders_viewed(viewer=request.user, technique=technique)
    return technique


@router.post("techniques", response={201: TechniqueOut}, operation_id="technique_create")
@gated(act="technique.create")
def technique_create(request, payload: DeclarationIn):
    """Creates a draft declaration by the caller (the online channel)."""
    from lib.errors import ApplicationError

    region = Region.objects.filter(code=payload.region, prefix__startswith="1408").first()
    if region is None:
        raise ApplicationError(_("区划代码「%(code)s」不存在或不在运城市") % {"code": payload.region}, field="region")
    category = Term.objects.filter(pk=payload.category, vocabulary="category").first()
    inheritance = Term.objects.filter(pk=payload.inheritance, vocabulary="inheritance").first()
    if category is None or inheritance is None:
        raise ApplicationError(_("技术类别或传承方式不在词表中"), field="category")
    diseases, unknown_d = services.resolve_terms("disease", payload.diseases)
    syndromes, unknown_s = services.resolve_terms("syndrome", payload.syndromes)
    features, _unknown = services.resolve_terms("feature", payload.features)
    data = payload.dict(exclude={"region", "category", "inheritance", "diseases", "syndromes", "features"})
    technique = services.technique_create(
        actor=request.user,
        region=region,
        category=category,
        inheritance=inheritance,
        diseases=diseases,
        syndromes=syndromes,
        features=features,
        indications_free="、".join(unknown_d + unknown_s)[:500],
        **data,
    )
    return 201, Technique.objects.prefetch_related(*DETAIL_PREFETCH).select_related(*LIST_RELATED).get(pk=technique.pk)


@router.post("techniques/{pk}/submit", response=TechniqueListOut, operation_id="technique_submit")
@gated(Technique, "technique.submit")
def technique_submit(request, pk: int):
    technique = get_object_or_404(Technique, pk=pk)
    services.technique_submit(technique=technique, actor=request.user)
    return Technique.objects.select_related(*LIST_RELATED).get(pk=pk)


@router.post("techniques/{pk}/advance", response=TechniqueListOut, operation_id="technique_advance")
@gated(Technique, moves=True)
def technique_advance(request, pk: int, payload: AdvanceIn):
    """Receive, verify, accept, return or (un)publish, as the workflow table allows."""
    technique = get_object_or_404(Technique, pk=pk)
    services.technique_advance(
        technique=technique, actor=request.user, to=payload.to, reason=payload.reason, expect=payload.expect
    )
    return Technique.objects.select_related(*LIST_RELATED).get(pk=pk)


@router.get("terms", response=list[TermOut], auth=None, operation_id="term_list")
@paginate(LimitOffsetPagination)
def term_list(request, vocabulary: str, q: str = ""):
    terms = Term.objects.filter(vocabulary=vocabulary, is_active=True)
    if q:
        terms = terms.filter(name__contains=q[:20])
    return terms


@router.get("techniques-dashboard", operation_id="technique_dashboard")
def technique_dashboard(request):
    """Counts by county, category, inheritance mode and status, and the city's milestones."""
    visible = scope(request.user, "technique.view", Technique.objects.all())
    return selectors.dashboard_figures(visible)


# --- research projects (PRO-5) -------------------------------------------------------------------


class ResearchProjectIn(Schema):
    title: str
    organization: str
    leader: str = ""
    funding_source: str = ""
    started_on: date | None = None
    ended_on: date | None = None
    summary: str = ""
    is_public: bool = False


class ResearchProjectCreateIn(ResearchProjectIn):
    recorded_org: int


class ResearchProjectPublicOut(Schema):
    id: int
    title: str
    organization: str
    leader: str
    started_on: date | None
    ended_on: date | None


class ResearchProjectOut(ResearchProjectPublicOut):
    funding_source: str
    summary: str
    is_public: bool
    recorded_org: int | None = Field(None, alias="recorded_org_id")
    techniques: list[int]

    @staticmethod
    def resolve_techniques(obj):
        return sorted(t.pk for t in obj.techniques.all())


class LinkIn(Schema):
    technique: int


def _projects():
    return ResearchProject.objects.prefetch_related(Prefetch("techniques", queryset=Technique.objects.only("pk")))


def _project_data(payload: ResearchProjectIn) -> research.ProjectData:
    return research.ProjectData(**payload.dict(include=set(ResearchProjectIn.model_fields)))


@router.get("research-projects", response=list[ResearchProjectOut], operation_id="research_project_list")
@paginate(LimitOffsetPagination)
def research_project_list(request, q: str = ""):
    """Research projects within the caller's scope, newest first."""
    authorize(request.user, "research.view")
    projects = scope(request.user, "research.view", _projects())
    if q:
        projects = projects.filter(title__contains=q[:100])
    return projects.order_by("-updated_at", "-pk")


@router.post("research-projects", response={201: ResearchProjectOut}, operation_id="research_project_create")
@gated(act="research.manage")
def research_project_create(request, payload: ResearchProjectCreateIn):
    from accounts.models import Organization
    from lib.errors import ApplicationError

    organization = Organization.objects.filter(pk=payload.recorded_org).first()
    if organization is None:
        raise ApplicationError(_("登记单位 %(pk)s 不存在") % {"pk": payload.recorded_org}, field="recorded_org")
    project = research.project_create(actor=request.user, recorded_org=organization, data=_project_data(payload))
    return 201, _projects().get(pk=project.pk)


@router.get("research-projects/{pk}", response=ResearchProjectOut, operation_id="research_project_get")
def research_project_get(request, pk: int):
    project = get_object_or_404(_projects(), pk=pk)
    authorize(request.user, "research.view", project)
    return project


@router.put("research-projects/{pk}", response=ResearchProjectOut, operation_id="research_project_update")
@gated(ResearchProject, "research.manage")
def research_project_update(request, pk: int, payload: ResearchProjectIn):
    project = get_object_or_404(ResearchProject, pk=pk)
    research.project_update(project=project, actor=request.user, data=_project_data(payload))
    return _projects().get(pk=pk)


@router.post("research-projects/{pk}/techniques", response=ResearchProjectOut, operation_id="research_project_link")
@gated(ResearchProject, "research.manage")
def research_project_link(request, pk: int, payload: LinkIn):
    """Links a technique whose holder agreed to research use."""
    project = get_object_or_404(ResearchProject, pk=pk)
    technique = get_object_or_404(Technique, pk=payload.technique)
    research.project_link(project=project, technique=technique, actor=request.user)
    return _projects().get(pk=pk)


@router.delete(
    "research-projects/{pk}/techniques/{technique_id}",
    response=ResearchProjectOut,
    operation_id="research_project_unlink",
)
def research_project_unlink(request, pk: int, technique_id: int):
    project = get_object_or_404(ResearchProject, pk=pk)
    technique = get_object_or_404(Technique, pk=technique_id)
    research.project_unlink(project=project, technique=technique, actor=request.user)
    return _projects().get(pk=pk)


@router.get(
    "public/techniques/{pk}/research-projects",
    response=list[ResearchProjectPublicOut],
    auth=None,
    operation_id="technique_public_research_projects",
)
def technique_public_research_projects(request, pk: int):
    """The research projects shown with a published technique (those flagged public)."""
    technique = get_object_or_404(Technique, pk=pk, status=Technique.Status.PUBLISHED)
    return technique.research_projects.filter(is_public=True).order_by("-started_on", "pk")
