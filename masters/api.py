"""The masters API (issue 3 §12): the public directory and profiles, applications through review,
selection and certification, and materials — all through the same services as the pages."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accounts.models import Organization, Region
from accounts.permissions import authorize, can, scope
from chuancheng.api_gate import gated
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination
from masters import selectors, services
from masters.models import Master, MasterMaterial, Tier
from techniques.models import Technique

router = Router(tags=["masters"])
LIST_RELATED = ("organization", "region")


class MasterListOut(Schema):
    id: int
    name: str
    track: str
    tier: str
    tier_label: str = Field(..., alias="get_tier_display")
    title: str
    specialty: str
    organization: str = Field(..., alias="organization.name")
    region: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    capacity: int
    certificate_number: str | None


class PartnerOut(Schema):
    kind: str
    name: str
    cooperation: str


class MaterialOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    product_type: str
    status: str
    mime: str
    size: int
    file_url: str | None
    partners: list[PartnerOut]

    @staticmethod
    def resolve_file_url(obj):
        from django.urls import reverse

        return reverse("masters:material-file", args=[obj.pk]) if obj.file else None

    @staticmethod
    def resolve_partners(obj):
        return list(obj.partners.all())


class ApprenticeOut(Schema):
    name: str
    status: str
    term: str
    starts_on: datetime.date


class MasterProfileOut(MasterListOut):
    """Read from a master on which master_profile_get has set `profile` (selectors.profile_context)."""

    bio: str
    techniques: list[str]
    materials: list[MaterialOut]
    current_apprentices: list[ApprenticeOut]
    former_apprentices: list[ApprenticeOut]

    @staticmethod
    def resolve_techniques(obj):
        return [t.name for t in obj.techniques.all() if t.is_public]

    @staticmethod
    def resolve_materials(obj):
        return obj.profile["materials"]

    @staticmethod
    def resolve_current_apprentices(obj):
        return _apprentices(obj.profile["current_apprentices"])

    @staticmethod
    def resolve_former_apprentices(obj):
        return _apprentices(obj.profile["former_apprentices"])


class ApplicationIn(Schema):
    tier: str
    title: str
    specialty: str
    clinical_since: int
    birth_date: datetime.date
    organization: int
    region: str
    bio: str = ""
    capacity: int = 5
    exemption_requested: bool = False
    exemption_claim: str = ""
    techniques: list[int] = []


class ApplicationPatch(Schema):
    tier: str | None = None
    title: str | None = None
    specialty: str | None = None
    clinical_since: int | None = None
    birth_date: datetime.date | None = None
    organization: int | None = None
    region: str | None = None
    bio: str | None = None
    capacity: int | None = None
    exemption_requested: bool | None = None
    exemption_claim: str | None = None
    techniques: list[int] | None = None


class ApplicationOut(MasterListOut):
    status: str
    bio: str
    clinical_since: int
    birth_date: datetime.date
    exemption_requested: bool
    exemption_claim: str
    submitted_at: datetime.datetime | None
    certified_at: datetime.datetime | None
    techniques: list[int]

    @staticmethod
    def resolve_techniques(obj):
        return [t.pk for t in obj.techniques.all()]


class DecisionIn(Schema):
    decision: str
    reason: str = ""


# --- the public directory ------------------------------------------------------------------------


@router.get("/masters", response=list[MasterListOut], auth=None)
@paginate(LimitOffsetPagination)
def master_directory_list(
    request, q: str = "", specialty: str = "", disease: str = "", tier: str = "", region: str = ""
):
    rows = Master.objects.filter(status=Master.Status.CERTIFIED)
    rows = selectors.search_masters(
        rows, {"q": q, "specialty": specialty, "disease": disease, "tier": tier, "region": region}
    )
    return rows.select_related(*LIST_RELATED).order_by("name_pinyin", "pk")


@router.get("/masters/applications", response=list[ApplicationOut])
@paginate(LimitOffsetPagination)
def master_application_list(request, status: str = "", q: str = "", tier: str = ""):
    rows = scope(request.user, "master.view", Master.objects.all())
    if status in Master.Status.values:
        rows = rows.filter(status=status)
    rows = selectors.search_masters(rows, {"q": q, "tier": tier})
    return rows.select_related(*LIST_RELATED).prefetch_related("techniques").order_by("-updated_at", "-pk")


def _fields(payload: Schema, *, partial: bool) -> tuple[dict, list | None]:
    data = payload.dict(exclude_unset=partial)
    if partial:
        data = {k: v for k, v in data.items() if v is not None}
    techniques = data.pop("techniques", None)
    if "tier" in data and data["tier"] not in Tier.values:
        raise ApplicationError(_("层级：不是有效的层级"), field="tier")
    if "organization" in data:
        data["organization"] = get_object_or_404(Organization, pk=data["organization"])
    if "region" in data:
        region = Region.objects.filter(code=data["region"]).first()
        if region is None:
            raise ApplicationError(_("所在地区：没有这个行政区划代码"), field="region")
        data["region"] = region
    if techniques is not None:
        found = list(Technique.objects.filter(pk__in=techniques))
        if len(found) != len(set(techniques)):
            raise ApplicationError(_("传授的技术：有技术编号不存在"), field="techniques")
        techniques = found
    return data, techniques


def _validation(exc) -> ApplicationError:
    field, errors = next(iter(exc.message_dict.items()))
    return ApplicationError(f"{field}：{'；'.join(errors)}", field=field)


@router.post("/masters/applications", response={201: ApplicationOut})
def master_application_create(request, payload: ApplicationIn):
    from django.core.exceptions import ValidationError

    fields, techniques = _fields(payload, partial=False)
    try:
        master = services.master_application_create(actor=request.user, techniques=techniques, **fields)
    except ValidationError as exc:
        raise _validation(exc) from exc
    return Status(201, master)


def _application(request, pk: int) -> Master:
    master = get_object_or_404(Master.objects.select_related(*LIST_RELATED), pk=pk)
    authorize(request.user, "master.view", master)
    return master


@router.get("/masters/applications/{pk}", response=ApplicationOut)
def master_application_get(request, pk: int):
    return _application(request, pk)


@router.patch("/masters/applications/{pk}", response=ApplicationOut)
@gated(Master, "master.edit")
def master_application_update(request, pk: int, payload: ApplicationPatch):
    from django.core.exceptions import ValidationError

    master = _application(request, pk)
    fields, techniques = _fields(payload, partial=True)
    try:
        return services.master_application_update(master=master, actor=request.user, techniques=techniques, **fields)
    except ValidationError as exc:
        raise _validation(exc) from exc


@router.post("/masters/applications/{pk}/submit", response=ApplicationOut)
@gated(Master, "master.submit")
def master_application_submit(request, pk: int):
    master = _application(request, pk)
    services.master_application_submit(master=master, actor=request.user)
    master.refresh_from_db()
    return master


# Each stage's decisions (000 §五(一)3): the organizing unit reviews, the host unit selects, the
# guiding unit certifies; the transition table says which decisions each stage has and who may.
STAGE_STATES = {
    "review": Master.Status.SUBMITTED,
    "select": Master.Status.REVIEWED,
    "certify": Master.Status.SELECTED,
}


def _decide(request, pk: int, stage: str, payload: DecisionIn) -> Master:
    master = _application(request, pk)
    decisions = set(Master.TRANSITIONS[STAGE_STATES[stage]])
    if payload.decision not in decisions:
        allowed = "、".join(sorted(decisions))
        raise ApplicationError(_("decision：此环节只能是 %(allowed)s") % {"allowed": allowed}, field="decision")
    services.master_application_advance(master=master, actor=request.user, to=payload.decision, reason=payload.reason)
    master.refresh_from_db()
    return master


@router.post("/masters/applications/{pk}/review", response=ApplicationOut)
@gated(Master, "master.review")
def master_application_review(request, pk: int, payload: DecisionIn):
    return _decide(request, pk, "review", payload)


@router.post("/masters/applications/{pk}/select", response=ApplicationOut)
@gated(Master, "master.select")
def master_application_select(request, pk: int, payload: DecisionIn):
    return _decide(request, pk, "select", payload)


@router.post("/masters/applications/{pk}/certify", response=ApplicationOut)
@gated(Master, "master.certify")
def master_application_certify(request, pk: int, payload: DecisionIn):
    return _decide(request, pk, "certify", payload)


# --- profiles and materials ------------------------------------------------------------------------


def _apprentices(rows) -> list[dict]:
    return [{"name": r.shown_name, "status": r.status, "term": r.term, "starts_on": r.starts_on} for r in rows]


@router.get("/masters/{pk}", response=MasterProfileOut, auth=None)
def master_profile_get(request, pk: int):
    master = get_object_or_404(
        Master.objects.select_related(*LIST_RELATED).prefetch_related("techniques"),
        pk=pk,
        status=Master.Status.CERTIFIED,
    )
    master.profile = selectors.profile_context(master, request.user)
    return master


@router.get("/masters/{pk}/materials", response=list[MaterialOut], auth=None)
def master_material_list(request, pk: int):
    """Published materials of a certified master; the master (and staff in scope) see them all."""
    master = get_object_or_404(Master, pk=pk)
    rows = master.materials.prefetch_related("partners").order_by("kind", "-created_at", "-pk")
    if request.user.is_authenticated and can(request.user, "master.view", master):
        return rows
    if master.status != Master.Status.CERTIFIED:
        return []
    return rows.filter(status=MasterMaterial.Status.PUBLISHED)


@router.post("/masters/{pk}/materials", response={201: MaterialOut})
@gated(Master, "master.material_manage")
def master_material_upload(
    request,
    pk: int,
    kind: Form[str],
    title: Form[str],
    description: Form[str] = "",
    product_type: Form[str] = "",
    file: File[UploadedFile] = None,
):
    master = get_object_or_404(Master, pk=pk)
    material = services.master_material_add(
        master=master,
        actor=request.user,
        kind=kind,
        title=title,
        description=description,
        product_type=product_type,
        upload=file,
    )
    return Status(201, material)
