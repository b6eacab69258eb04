from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from accounts.models import Organization, Region
from accounts.permissions import authorize, scope
from lib.errors import ApplicationError
from lib.pagination import LimitOffsetPagination

router = Router()


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(None, alias="parent_id")


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    department: str
    status: str
    region: str = Field(..., alias="region_id")
    region_name: str = Field(..., alias="region.name")
    host: int | None = Field(None, alias="host_id")


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[dict]


@router.get("regions", response=list[RegionOut], auth=None, tags=["regions"], operation_id="region_list")
@paginate(LimitOffsetPagination)
def region_list(request, parent: str | None = None):
    """Administrative divisions. Without `parent`: the provinces; with it: that region's children."""
    regions = Region.objects.order_by("code")
    if parent:
        get_object_or_404(Region, code=parent)
        return regions.filter(parent_id=parent)
    return regions.filter(parent__isnull=True)


@router.get("regions/{code}", response=RegionOut, auth=None, tags=["regions"], operation_id="region_get")
def region_get(request, code: str):
    return get_object_or_404(Region, code=code)


@router.get("organizations", response=list[OrganizationOut], tags=["organizations"], operation_id="organization_list")
@paginate(LimitOffsetPagination)
def organization_list(request, kind: str | None = None, region: str | None = None):
    """Organizations within the caller's scope."""
    organizations = scope(request.user, "organization.view", Organization.objects.select_related("region"))
    if kind:
        organizations = organizations.filter(kind=kind)
    if region:
        area = Region.objects.filter(code=region[:12]).first()
        if area is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": region[:20]}, field="region")
        organizations = organizations.filter(region__prefix__startswith=area.prefix)
    return organizations.order_by("kind", "name")


@router.get("organizations/{pk}", response=OrganizationOut, tags=["organizations"], operation_id="organization_get")
def organization_get(request, pk: int):
    organization = get_object_or_404(Organization.objects.select_related("region"), pk=pk)
    authorize(request.user, "organization.view", organization)
    return organization


@router.get("me", response=MeOut, tags=["accounts"], operation_id="me_get")
def me_get(request):
    user = request.user
    roles = [
        {"organization": m.organization_id, "organization_name": m.organization.name, "role": m.role}
        for m in user.memberships.select_related("organization")
    ]
    return {"username": user.username, "full_name": user.full_name, "roles": roles}
