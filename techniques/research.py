"""PRO-5: research projects and their links to techniques. Every write is audited; a technique is
linked only when its holder agreed to research use."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, User
from accounts.permissions import authorize
from lib.errors import ApplicationError, ConflictError
from techniques.models import ResearchProject, Technique
from workflow.models import AuditEntry
from workflow.services import audit_record

LIMITS = {
    "title": (gettext_lazy("项目名称"), 200),
    "organization": (gettext_lazy("承担单位"), 128),
    "leader": (gettext_lazy("负责人"), 64),
    "funding_source": (gettext_lazy("资助来源"), 128),
}
REQUIRED = ("title", "organization")


@dataclass
class ProjectData:
    title: str
    organization: str
    leader: str = ""
    funding_source: str = ""
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    summary: str = ""
    is_public: bool = False


def _clean(data: ProjectData) -> dict:
    values = {f.name: getattr(data, f.name) for f in fields(ProjectData)}
    for key, (label, limit) in LIMITS.items():
        values[key] = (values[key] or "").strip()
        if len(values[key]) > limit:
            raise ApplicationError(
                _("「%(label)s」不能超过 %(limit)d 个字") % {"label": label, "limit": limit}, field=key
            )
    for key in REQUIRED:
        if not values[key]:
            raise ApplicationError(_("「%(label)s」必须填写") % {"label": LIMITS[key][0]}, field=key)
    if values["started_on"] and values["ended_on"] and values["ended_on"] < values["started_on"]:
        raise ApplicationError(_("「结束日期」不能早于「开始日期」"), field="ended_on")
    values["summary"] = (values["summary"] or "").strip()
    return values


def _check_unit(actor: User, recorded_org: Organization | None) -> None:
    if recorded_org is None:
        raise ApplicationError(_("请选择登记单位"), field="recorded_org")
    if actor.is_superuser:
        return
    if not actor.memberships.filter(organization=recorded_org, role="office_staff").exists():
        raise ApplicationError(
            _("您不是「%(org)s」的工作人员，不能以该单位名义登记") % {"org": recorded_org.name}, field="recorded_org"
        )


@transaction.atomic
def project_create(*, actor: User, recorded_org: Organization, data: ProjectData) -> ResearchProject:
    authorize(actor, "research.manage")
    _check_unit(actor, recorded_org)
    project = ResearchProject.objects.create(recorded_org=recorded_org, recorded_by=actor, **_clean(data))
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=project, to_state="科研项目", reason=project.title)
    return project


@transaction.atomic
def project_create_linked(
    *, actor: User, recorded_org: Organization, data: ProjectData, technique: Technique | None = None
) -> ResearchProject:
    """A project recorded from a technique's page comes linked to it, or is not recorded at all."""
    project = project_create(actor=actor, recorded_org=recorded_org, data=data)
    if technique is not None:
        project_link(project=project, technique=technique, actor=actor)
    return project


@transaction.atomic
def project_update(*, project: ResearchProject, actor: User, data: ProjectData) -> ResearchProject:
    authorize(actor, "research.manage", project)
    values = _clean(data)
    changed = [key for key, value in values.items() if getattr(project, key) != value]
    for key in changed:
        setattr(project, key, values[key])
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
        labels = "、".join(str(ResearchProject._meta.get_field(key).verbose_name) for key in changed)
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=project,
            from_state="科研项目",
            to_state="已修改",
            reason=f"修改了：{labels}",
        )
    return project


def _may_link(actor: User, project: ResearchProject, technique: Technique) -> None:
    authorize(actor, "research.manage", project)
    authorize(actor, "technique.view", technique)


@transaction.atomic
def project_link(*, project: ResearchProject, technique: Technique, actor: User) -> None:
    _may_link(actor, project, technique)
    if not technique.consent_research:
        raise ApplicationError(
            _("「%(name)s」的持有人未同意用于研究，不能关联科研项目；请先登记持有人的知情同意")
            % {"name": technique.name},
            field="technique",
        )
    if project.techniques.filter(pk=technique.pk).exists():
        raise ConflictError(_("「%(name)s」已关联到该项目") % {"name": technique.name}, field="technique")
    project.techniques.add(technique)
    ResearchProject.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    _audit_link(project, technique, actor, action=AuditEntry.Action.CREATE, to_state="关联科研项目")


@transaction.atomic
def project_unlink(*, project: ResearchProject, technique: Technique, actor: User) -> None:
    _may_link(actor, project, technique)
    if not project.techniques.filter(pk=technique.pk).exists():
        raise ApplicationError(_("「%(name)s」没有关联到该项目") % {"name": technique.name}, field="technique")
    project.techniques.remove(technique)
    _audit_link(
        project, technique, actor, action=AuditEntry.Action.TRANSITION, from_state="关联科研项目", to_state="取消关联"
    )


def _audit_link(project: ResearchProject, technique: Technique, actor: User, **states) -> None:
    """One row on the project and one on the technique, so that each one's history shows it."""
    for obj in (project, technique):
        audit_record(
            actor=actor,
            obj=obj,
            organization=project.recorded_org,
            reason=f"科研项目「{project.title}」↔ 技术「{technique.name}」",
            **states,
        )
