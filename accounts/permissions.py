"""The one answer to "may this person do this act to this object?" (ORG-3).

Pages, the API and the buttons a page shows all ask `can()` / `authorize()` / `scope()` here, so
they cannot disagree. Two things decide:

- **scope** — whether the object lies within reach of one of the person's memberships: office
  staff reach everything in their organization's region and below (a county's staff see the
  county, its townships and villages); every member reaches their own unit's records; everyone
  reaches their own records. Each model says what that means for it in `scope_q()`.
- **role** — whether a membership that reaches the object carries a role that the act needs.

Outside scope the object does not exist for that person (404); inside scope without the role is
a 403. Superusers pass everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organization, Region

Role = Membership.Role
Kind = Organization.Kind
Level = Region.Level

# Roles whose scope is a region (their organization's region and everything below it).
REGIONAL_ROLES = frozenset({Role.OFFICE_STAFF})
STAFF_ROLES = frozenset({Role.OFFICE_STAFF, Role.UNIT_ADMIN, Role.REVIEWER})
ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class Act:
    label: str
    roles: frozenset[str] = frozenset()
    # When set, only memberships in organizations of these kinds grant the act.
    org_kinds: frozenset[str] = frozenset()
    # When set, only memberships in organizations at these region levels grant the act: a
    # declaration is received by a township or county, verified by a county, accepted by the city.
    region_levels: frozenset[str] = frozenset()
    # Whether a person may do the act on their own record without any role.
    owner: bool = False
    superuser_only: bool = False


ACTS: dict[str, Act] = {
    "organization.view": Act(gettext_lazy("查看单位"), roles=ALL_ROLES),
    "workstation.approve": Act(
        gettext_lazy("批准项目工作站"),
        roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
        org_kinds=frozenset({Kind.HOST}),
    ),
    "workstation.resubmit": Act(gettext_lazy("重新提交工作站设立申请"), roles=frozenset({Role.UNIT_ADMIN})),
    "person.view": Act(gettext_lazy("查看人员信息"), roles=STAFF_ROLES, owner=True),
    # Full ID numbers are shown to the few who must check identity documents.
    "person.view_id_number": Act(
        gettext_lazy("查看完整身份证号码"), roles=frozenset({Role.OFFICE_STAFF, Role.UNIT_ADMIN}), owner=True
    ),
    # A self-registered person's unit (issue 12 §1): its admin confirms them, nobody else.
    "membership_request.decide": Act(gettext_lazy("确认单位人员"), roles=frozenset({Role.UNIT_ADMIN})),
    "person.disable": Act(gettext_lazy("停用账号"), roles=frozenset({Role.UNIT_ADMIN})),
    "person.enable": Act(gettext_lazy("启用账号"), roles=frozenset({Role.UNIT_ADMIN})),
    "token.revoke": Act(gettext_lazy("撤销 API 令牌"), owner=True),
    "audit.view": Act(gettext_lazy("查看审计日志"), roles=frozenset({Role.OFFICE_STAFF})),
    # Techniques (TEC-1..4). Holders declare online; office staff at any level enter paper forms.
    "technique.create": Act(gettext_lazy("申报优势技术"), roles=frozenset({Role.HOLDER, Role.OFFICE_STAFF})),
    "technique.view": Act(gettext_lazy("查看技术申报"), roles=STAFF_ROLES | {Role.EXPERT}, owner=True),
    "technique.edit": Act(gettext_lazy("编辑技术申报"), owner=True),
    "technique.submit": Act(gettext_lazy("提交技术申报"), owner=True),
    "technique.receive": Act(
        gettext_lazy("受理技术申报"),
        roles=frozenset({Role.OFFICE_STAFF}),
        region_levels=frozenset({Level.TOWNSHIP, Level.COUNTY}),
    ),
    "technique.verify": Act(
        gettext_lazy("核实技术申报"), roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.COUNTY})
    ),
    "technique.accept": Act(
        gettext_lazy("技术入库"), roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.CITY})
    ),
    "technique.publish": Act(
        gettext_lazy("公开技术"), roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.CITY})
    ),
    "technique.export": Act(gettext_lazy("导出技术清单"), roles=frozenset({Role.OFFICE_STAFF})),
    "vocabulary.manage": Act(
        gettext_lazy("维护分类词表"), roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.CITY})
    ),
    # Masters (MST-1..3): applicants edit and submit their own; the organizing unit reviews and
    # decides exemptions, the host unit selects, the guiding unit certifies (000 §五(一)3).
    "master.view": Act(gettext_lazy("查看传承人申请"), roles=STAFF_ROLES, owner=True),
    "master.edit": Act(gettext_lazy("编辑传承人申请"), owner=True),
    "master.submit": Act(gettext_lazy("提交传承人申请"), owner=True),
    "master.review": Act(
        gettext_lazy("审核传承人申请"), roles=frozenset({Role.REVIEWER}), org_kinds=frozenset({Kind.ORGANIZING})
    ),
    "master.exempt": Act(
        gettext_lazy("决定特殊专长豁免"), roles=frozenset({Role.REVIEWER}), org_kinds=frozenset({Kind.ORGANIZING})
    ),
    "master.select": Act(
        gettext_lazy("遴选传承人"),
        roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
        org_kinds=frozenset({Kind.HOST}),
    ),
    "master.certify": Act(
        gettext_lazy("认证传承人并颁发证书"),
        roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
        org_kinds=frozenset({Kind.GUIDING}),
    ),
    # Case records (CAS-1..3): the master or apprentice sees their own; office staff their region;
    # reviewers and admins of the doctor's unit their unit's.
    "case.view": Act(gettext_lazy("查看病案"), roles=STAFF_ROLES, owner=True),
    "case.import": Act(gettext_lazy("导入病案"), roles=frozenset({Role.MASTER, Role.APPRENTICE})),
    "case.analyze": Act(gettext_lazy("处方挖掘分析"), roles=STAFF_ROLES | {Role.MASTER, Role.APPRENTICE}, owner=True),
}


def _memberships(user) -> list[Membership]:
    # Cached on the user object: one query per request however many checks a page makes.
    cached = getattr(user, "_scope_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organization__region"))
        user._scope_memberships = cached
    return cached


def _granting(user, act: Act) -> list[Membership]:
    return [
        m
        for m in _memberships(user)
        if m.role in act.roles
        and (not act.org_kinds or m.organization.kind in act.org_kinds)
        and (not act.region_levels or m.organization.region.level in act.region_levels)
    ]


def _administrator(user, act_name: str) -> bool | None:
    """Administrators above scope: True (everywhere) or False (nowhere), None to decide by roles.
    The audit log is the audit administrator's; a superuser without that duty may not read it,
    so the system administrator cannot read what records their own work (accounts/duties.py)."""
    from accounts.duties import Duty, duty_of

    if act_name.startswith("audit."):
        if duty_of(user) == Duty.AUDIT:
            return True
        return False if user.is_superuser else None
    return True if user.is_superuser else None


def scope(user, act_name: str, queryset: QuerySet) -> QuerySet:
    """The objects of `queryset` on which `user` may do the act: what list pages and API lists show."""
    act = ACTS[act_name]
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    administrator = _administrator(user, act_name)
    if administrator is not None:
        return queryset if administrator else queryset.none()
    model = queryset.model
    granting = _granting(user, act)
    q = Q(pk__in=[])
    if granting:
        q |= _grant_q(model, user, granting)
    if act.owner:
        q |= _owner_q(model, user)
    return queryset.filter(q)


def _grant_q(model, user, memberships: list[Membership]) -> Q:
    regions = [m.organization.region for m in memberships if m.role in REGIONAL_ROLES]
    organization_ids = sorted({m.organization_id for m in memberships})
    return model.scope_q(regions=regions, organization_ids=organization_ids)


def _owner_q(model, user) -> Q:
    if hasattr(model, "owner_q"):
        return model.owner_q(user)
    return Q(pk__in=[])


def reaches(user, obj: Model) -> bool:
    """Whether the object is within the person's scope at all, whatever their roles."""
    if user.is_superuser:
        return True
    model = type(obj)
    memberships = _memberships(user)
    q = _owner_q(model, user)
    if memberships:
        q |= _grant_q(model, user, memberships)
    return model._default_manager.filter(q, pk=obj.pk).exists()


def can(user, act_name: str, obj: Model | None = None) -> bool:
    act = ACTS[act_name]
    if not user.is_authenticated or not user.is_active:
        return False
    administrator = _administrator(user, act_name)
    if administrator is not None:
        return administrator
    if act.superuser_only:
        return False
    if obj is None:
        return bool(_granting(user, act))
    return scope(user, act_name, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def authorize(user, act_name: str, obj: Model | None = None) -> None:
    """Raise Http404 when the object is outside the person's scope, PermissionDenied when the
    person reaches it but lacks the role."""
    if can(user, act_name, obj):
        return
    if obj is not None and not reaches(user, obj):
        raise Http404
    raise PermissionDenied(_("没有权限：%(act)s") % {"act": ACTS[act_name].label})


# A notice goes to everyone who may act on the record; a programme unit has a handful of reviewers
# and a region a handful of office staff, so more than this means a mis-drawn map, not an audience.
PEOPLE_LIMIT = 200


def people_who_can(act_name: str, obj: Model) -> list:
    """Everyone whose role lets them do the act on this record now (superusers aside): who a
    notice of the workflow core goes to. Owners are named by the NOTIFY map itself.

    One query for the candidate memberships and one that asks, for all of them at once, whose
    scope reaches the record (a filtered count per candidate group)."""
    from django.db.models import Count

    act = ACTS[act_name]
    if not act.roles or act.superuser_only:
        return []
    memberships = Membership.objects.filter(role__in=act.roles, user__is_active=True)
    if act.org_kinds:
        memberships = memberships.filter(organization__kind__in=act.org_kinds)
    if act.region_levels:
        memberships = memberships.filter(organization__region__level__in=act.region_levels)
    region = getattr(obj, "region", None)
    if isinstance(region, Region):
        # Regional roles reach only records in their region or below: keep the region's ancestors.
        prefixes = [region.prefix[:n] for n in range(1, len(region.prefix) + 1)]
        memberships = memberships.filter(~Q(role__in=REGIONAL_ROLES) | Q(organization__region__prefix__in=prefixes))
    groups: dict[tuple, set[int]] = {}
    for m in memberships.select_related("organization__region")[: PEOPLE_LIMIT * 5]:
        key = ("region", m.organization.region_id) if m.role in REGIONAL_ROLES else ("org", m.organization_id)
        groups.setdefault(key, set()).add(m.user_id)
    if not groups:
        return []
    model = type(obj)
    regions = {r.pk: r for r in Region.objects.filter(pk__in=[k[1] for k in groups if k[0] == "region"])}
    keys = list(groups)
    counts = model._default_manager.filter(pk=obj.pk).aggregate(
        **{
            f"g{i}": Count(
                "pk",
                filter=model.scope_q(regions=[regions[key[1]]], organization_ids=[])
                if key[0] == "region"
                else model.scope_q(regions=[], organization_ids=[key[1]]),
            )
            for i, key in enumerate(keys)
        }
    )
    user_ids = sorted({uid for i, key in enumerate(keys) if counts[f"g{i}"] for uid in groups[key]})
    from accounts.models import User

    return list(User.objects.filter(pk__in=user_ids[:PEOPLE_LIMIT], is_active=True).order_by("pk"))
