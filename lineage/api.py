"""The lineage API (issue 15 §11): people with their teachers and disciples, the path between two,
and entering people, links and citations through the same services as the pages. A link moves
(submit, verify, return) through the one move endpoint, POST /audit/move/lineage.link/<pk>/."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from accounts.models import Region
from accounts.permissions import can, scope
from chuancheng.api_gate import gated
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination
from lineage import selectors, services
from lineage.models import Link, Person, Source
from lineage.permissions import check_view
from masters.models import Master
from techniques.models import Technique
from workflow.models import AuditEntry
from workflow.services import audit_record

router = Router(tags=["lineage"])


class PersonBrief(Schema):
    id: int
    name: str


class PersonListOut(PersonBrief):
    courtesy_name: str
    art_name: str
    birth: str
    death: str

    @staticmethod
    def resolve_courtesy_name(obj):
        return obj.courtesy_name if obj.shows_details else ""

    @staticmethod
    def resolve_art_name(obj):
        return obj.art_name if obj.shows_details else ""

    @staticmethod
    def resolve_birth(obj):
        return obj.birth if obj.shows_details else ""

    @staticmethod
    def resolve_death(obj):
        return obj.death if obj.shows_details else ""


class CitationOut(Schema):
    id: int
    source: str
    source_kind: str
    quoted_text: str
    page: str
    certainty: int

    @staticmethod
    def resolve_source(obj):
        return str(obj.source)

    @staticmethod
    def resolve_source_kind(obj):
        return obj.source.kind


class LinkOut(Schema):
    id: int
    teacher: PersonBrief
    disciple: PersonBrief
    kind: str
    kind_label: str
    start: str
    end: str
    certainty: int
    disputed: bool
    dispute_note: str
    status: str
    techniques: list[int]
    citations: list[CitationOut]

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_techniques(obj):
        return [t.pk for t in obj.techniques.all()]

    @staticmethod
    def resolve_citations(obj):
        return list(obj.citations.all())


class GenerationOut(Schema):
    generation: int
    people: list[PersonBrief]


class PersonOut(PersonBrief):
    """Built by _person_out(): the details are empty where the public may read only the name."""

    courtesy_name: str
    art_name: str
    birth: str
    death: str
    sex: str
    living: bool
    place: str
    biography: str
    thought: str
    specialties: str
    generation: int
    teachers: list[LinkOut]
    disciples: list[LinkOut]
    ancestors: list[GenerationOut]
    descendants: list[GenerationOut]


class StepOut(Schema):
    person: PersonBrief
    link: int | None
    kind: str | None
    downward: bool


class PersonIn(Schema):
    name: str
    courtesy_name: str = ""
    art_name: str = ""
    sex: str = "unknown"
    birth: str = ""
    death: str = ""
    living: bool = False
    region: str | None = None
    place: str = ""
    biography: str = ""
    thought: str = ""
    specialties: str = ""
    master: int | None = None


class SourceIn(Schema):
    kind: str
    title: str
    author: str = ""
    publisher: str = ""
    page: str = ""
    interviewer: str = ""
    date: str = ""
    place: str = ""


class CitationIn(Schema):
    source: int | None = None
    new_source: SourceIn | None = None
    quoted_text: str = ""
    page: str = ""
    certainty: int = 2


class LinkIn(Schema):
    teacher: int
    disciple: int
    kind: str
    start: str = ""
    end: str = ""
    techniques: list[int] = []
    certainty: int = 2
    disputed: bool = False
    dispute_note: str = ""
    note: str = ""
    citation: CitationIn


def _person_out(person: Person, *, details: bool) -> dict:
    out = {
        "id": person.pk,
        "name": person.name,
        "courtesy_name": "",
        "art_name": "",
        "birth": "",
        "death": "",
        "sex": "",
        "living": person.living,
        "place": "",
        "biography": "",
        "thought": "",
        "specialties": "",
    }
    if details:
        for field in ("courtesy_name", "art_name", "birth", "death", "sex", "place", "biography", "thought"):
            out[field] = getattr(person, field)
        out["specialties"] = person.specialties
    out["generation"] = selectors.generation(person.pk)
    out["teachers"] = list(selectors.verified_links(person, as_teacher=False).select_related("teacher", "disciple"))
    out["disciples"] = list(selectors.verified_links(person, as_teacher=True).select_related("teacher", "disciple"))
    out["ancestors"] = [{"generation": n, "people": people} for n, people in selectors.generations(person, up=True)]
    out["descendants"] = [{"generation": n, "people": people} for n, people in selectors.generations(person, up=False)]
    return out


@router.get("/lineage/people", response=list[PersonListOut], auth=None)
@paginate(LimitOffsetPagination)
def lineage_people(request, q: str = ""):
    """People joined by verified links; living people other than certified masters by name only."""
    rows = selectors.search_people(selectors.public_people(), q)
    return rows.select_related("master").order_by(*selectors.PEOPLE_ORDER)


@router.post("/lineage/people", response={201: PersonOut})
@gated(act="lineage.edit")
def lineage_person_create(request, payload: PersonIn):
    data = payload.dict()
    if data["region"]:
        region = Region.objects.filter(code=data["region"]).first()
        if region is None:
            raise ApplicationError("籍贯（行政区划）：没有这个行政区划代码", field="region")
        data["region"] = region
    if data["master"] is not None:
        master = Master.objects.filter(pk=data["master"], status=Master.Status.CERTIFIED).first()
        if master is None:
            raise ApplicationError("对应的传承人：没有这个已认证的传承人", field="master")
        data["master"] = master
    person = services.person_create(actor=request.user, **data)
    return Status(201, _person_out(person, details=True))


@router.get("/lineage/people/{pk}", response=PersonOut, auth=None)
def lineage_person_get(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("master"), pk=pk)
    staff = can(request.user, "lineage.view", person)
    if not staff and not selectors.is_public(person):
        check_view(request.user, person)
    if staff and not person.shows_details:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=request.user, obj=person, reason="查看脉络人物")
    return _person_out(person, details=staff or person.shows_details)


@router.get("/lineage/path", response=list[StepOut], auth=None)
def lineage_path(request, a: int, b: int):
    """The shortest chain of verified links from a to b; an empty list when there is none."""
    people = selectors.public_people()
    first = get_object_or_404(people, pk=a)
    second = get_object_or_404(people, pk=b)
    steps = selectors.path_between(first, second) or []
    return [
        {
            "person": s.person,
            "link": s.link.pk if s.link else None,
            "kind": s.link.kind if s.link else None,
            "downward": s.downward,
        }
        for s in steps
    ]


def _link_query():
    return Link.objects.select_related("teacher", "disciple").prefetch_related("citations__source", "techniques")


@router.get("/lineage/links", response=list[LinkOut])
@paginate(LimitOffsetPagination)
def lineage_link_list(request, status: str = ""):
    rows = scope(request.user, "lineage.view", _link_query())
    if status in Link.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-updated_at", "-pk")


def _citation_fields(request, payload: CitationIn) -> dict:
    source = None
    if payload.source is not None:
        source = get_object_or_404(scope(request.user, "lineage.view", Source.objects.all()), pk=payload.source)
    elif payload.new_source is not None:
        source = services.source_create(actor=request.user, **payload.new_source.dict())
    return {"source": source, "quoted_text": payload.quoted_text, "page": payload.page, "certainty": payload.certainty}


@router.post("/lineage/links", response={201: LinkOut})
@gated(act="lineage.edit")
def lineage_link_create(request, payload: LinkIn):
    from django.db import transaction

    visible = Person.objects.filter(pk__in=[payload.teacher, payload.disciple])
    people = visible.in_bulk()
    for pk, field in ((payload.teacher, "teacher"), (payload.disciple, "disciple")):
        if pk not in people:
            raise ApplicationError(f"{'师' if field == 'teacher' else '徒'}：没有编号为 {pk} 的人物", field=field)
    techniques = list(Technique.objects.filter(pk__in=payload.techniques))
    if len(techniques) != len(set(payload.techniques)):
        raise ApplicationError("传承的技术：有技术编号不存在", field="techniques")
    fields = payload.dict(exclude={"teacher", "disciple", "techniques", "citation"})
    # A new source and the link stand or fall together.
    with transaction.atomic():
        citation = _citation_fields(request, payload.citation)
        if citation["source"] is None:
            raise ApplicationError("来源：引证必须有来源（source 或 new_source）", field="citation.source")
        link = services.link_create(
            actor=request.user,
            teacher=people[payload.teacher],
            disciple=people[payload.disciple],
            techniques=techniques,
            citation=citation,
            **fields,
        )
    return Status(201, _link_query().get(pk=link.pk))


@router.get("/lineage/links/{pk}", response=LinkOut)
def lineage_link_get(request, pk: int):
    link = get_object_or_404(_link_query(), pk=pk)
    if not link.is_public:
        check_view(request.user, link)
    return link


@router.post("/lineage/links/{pk}/citations", response={201: LinkOut})
@gated(Link, "lineage.edit")
def lineage_citation_create(request, pk: int, payload: CitationIn):
    from django.db import transaction

    link = get_object_or_404(Link, pk=pk)
    with transaction.atomic():
        services.citation_add(actor=request.user, link=link, **_citation_fields(request, payload))
    return Status(201, _link_query().get(pk=link.pk))
