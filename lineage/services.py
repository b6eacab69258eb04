"""Writes of the lineage app (issue 15): people, sources, links and their citations, and the
links' moves through the workflow core. Every write is whole or not at all."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership, Organization, User
from accounts.permissions import authorize, can
from lib.errors import ApplicationError
from lib.files import DOCUMENT, MB, VIEWABLE, accept_upload
from lineage import fuzzydate, selectors
from lineage.models import Certainty, Citation, FuzzyDateFields, Link, LinkKind, Person, Source
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record


def _valid(obj, *, exclude: tuple[str, ...] = ()) -> None:
    """The model's own field rules (choices, lengths, ranges) before a write, as a message naming
    the field: a value the database would refuse (PostgreSQL enforces lengths, SQLite does not)
    never reaches it."""
    relations = [f.name for f in obj._meta.get_fields() if f.is_relation]
    try:
        obj.full_clean(exclude=[*relations, *exclude], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        label = obj._meta.get_field(name).verbose_name if name != "__all__" else ""
        raise ApplicationError(f"{label}：{messages[0]}" if label else messages[0], field=name) from None


# Interviews come as audio or transcripts, documents as scans: what the viewer shows, and audio.
SOURCE_FILE_TYPES = DOCUMENT | VIEWABLE
SOURCE_FILE_LIMIT = 50 * MB

PERSON_DATES = {"birth": gettext_lazy("出生"), "death": gettext_lazy("去世")}
LINK_DATES = {"start": gettext_lazy("起始"), "end": gettext_lazy("结束")}


def entering_organization(actor: User) -> Organization | None:
    """The unit a record is entered for: the actor's office (their scope), none for a superuser."""
    membership = (
        Membership.objects.filter(user=actor, role=Membership.Role.OFFICE_STAFF)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    return membership.organization if membership else None


def _dates(obj, texts: dict, labels: dict) -> None:
    for name, text in texts.items():
        FuzzyDateFields.assign(obj, name, fuzzydate.parse(text, field_label=str(labels[name]), field=name))


def _check_certainty(value: int, field: str = "certainty") -> None:
    if value not in Certainty.values:
        raise ApplicationError(_("可信度：应为 0 至 3 的整数"), field=field)


def _unique_links(person: Person) -> None:
    """One person, never two records: a platform account, master or holder belongs to one person."""
    for field, label in (("user", _("平台账号")), ("master", _("传承人")), ("holder", _("技术持有人"))):
        value = getattr(person, f"{field}_id")
        if value is None:
            continue
        other = Person.objects.filter(**{f"{field}_id": value}).exclude(pk=person.pk).first()
        if other is not None:
            raise ApplicationError(
                _("%(label)s：已对应脉络人物「%(name)s」（编号 %(pk)s），同一人不能建两条记录")
                % {"label": label, "name": other.name, "pk": other.pk},
                field=field,
            )


@transaction.atomic
def person_create(
    *,
    actor: User,
    name: str,
    courtesy_name: str = "",
    art_name: str = "",
    sex: str = "unknown",
    birth: str = "",
    death: str = "",
    living: bool = False,
    region=None,
    place: str = "",
    biography: str = "",
    thought: str = "",
    specialties: str = "",
    user=None,
    master=None,
    holder=None,
) -> Person:
    authorize(actor, "lineage.edit")
    if not name.strip():
        raise ApplicationError(_("姓名：必须填写"), field="name")
    person = Person(
        name=name.strip(),
        courtesy_name=courtesy_name.strip(),
        art_name=art_name.strip(),
        sex=sex,
        living=living,
        region=region,
        place=place.strip(),
        biography=biography,
        thought=thought,
        specialties=specialties.strip(),
        user=user,
        master=master,
        holder=holder,
        entered_by=actor,
        entered_org=entering_organization(actor),
    )
    _dates(person, {"birth": birth, "death": death}, PERSON_DATES)
    if living and person.death:
        raise ApplicationError(_("去世：在世的人不能有去世日期"), field="death")
    if not fuzzydate.may_precede(person.birth_value, person.death_value):
        raise ApplicationError(
            _("去世：去世（%(death)s）早于出生（%(birth)s）") % {"death": person.death, "birth": person.birth},
            field="death",
        )
    _unique_links(person)
    _valid(person)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Two people linking the same account at once: the unique constraint decides.
        raise ApplicationError(_("该账号、传承人或持有人已对应另一脉络人物"), field="user") from None
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=person)
    return person


@transaction.atomic
def source_create(
    *,
    actor: User,
    kind: str,
    title: str,
    author: str = "",
    publisher: str = "",
    page: str = "",
    interviewer: str = "",
    date: str = "",
    place: str = "",
    file=None,
) -> Source:
    authorize(actor, "lineage.edit")
    if kind not in Source.Kind.values:
        raise ApplicationError(_("来源类型：不是可选的类型"), field="kind")
    if not title.strip():
        raise ApplicationError(_("题名：必须填写（访谈请写访谈主题，如「随访某某」）"), field="title")
    if kind == Source.Kind.INTERVIEW and not interviewer.strip():
        raise ApplicationError(_("访谈人：访谈记录必须写明访谈人"), field="interviewer")
    source = Source(
        kind=kind,
        title=title.strip(),
        author=author.strip(),
        publisher=publisher.strip(),
        page=page.strip(),
        interviewer=interviewer.strip(),
        place=place.strip(),
        entered_by=actor,
        entered_org=entering_organization(actor),
    )
    _dates(source, {"date": date}, {"date": _("日期")})
    if file:
        try:
            source.file_type = accept_upload(
                file, allowed=SOURCE_FILE_TYPES, field_label=str(_("文件")), max_bytes=SOURCE_FILE_LIMIT
            )
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="file") from None
        source.file = file
    _valid(source, exclude=("file",))
    source.save()
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=source)
    return source


def _check_link(*, teacher: Person, disciple: Person, kind: str) -> None:
    if teacher.pk == disciple.pk:
        raise ApplicationError(_("徒：不能是自己的弟子"), field="disciple")
    if kind not in LinkKind.values:
        raise ApplicationError(_("传承方式：不是可选的方式"), field="kind")
    # A cycle: the disciple is already among the teacher's ancestors (by any link not returned).
    if selectors.is_ancestor(disciple.pk, teacher.pk, statuses=selectors.STANDING):
        raise ApplicationError(
            _("徒：「%(disciple)s」已是「%(teacher)s」的师承上辈，再拜其为师会使其成为自己的祖师（循环）")
            % {"disciple": disciple.name, "teacher": teacher.name},
            field="disciple",
        )
    # 亲炙 is taught in person: not by someone who had died before the disciple was born. 私淑
    # (learning from the writings) has no such limit.
    if kind == LinkKind.IN_PERSON and not fuzzydate.may_precede(disciple.birth_value, teacher.death_value):
        raise ApplicationError(
            _(
                "传承方式：「%(disciple)s」出生（%(birth)s）晚于「%(teacher)s」去世（%(death)s），不可能亲炙；如系读其书而学，请选「私淑」"
            )
            % {"disciple": disciple.name, "birth": disciple.birth, "teacher": teacher.name, "death": teacher.death},
            field="kind",
        )


@transaction.atomic
def link_create(
    *,
    actor: User,
    teacher: Person,
    disciple: Person,
    kind: str,
    start: str = "",
    end: str = "",
    techniques=(),
    certainty: int = Certainty.SECONDARY,
    disputed: bool = False,
    dispute_note: str = "",
    note: str = "",
    citation: dict | None = None,
) -> Link:
    """A draft link, with its first citation when one is given ({source, quoted_text, page,
    certainty}). The two people are read again under lock so that two links entered at once
    cannot close a cycle between them."""
    authorize(actor, "lineage.edit")
    for person in (teacher, disciple):
        if not can(actor, "lineage.view", person) and not selectors.is_public(person):
            authorize(actor, "lineage.view", person)
    _check_certainty(certainty)
    if disputed and not dispute_note.strip():
        raise ApplicationError(_("争议说明：标记为存在争议时必须说明争议所在"), field="dispute_note")
    list(Person.objects.select_for_update().filter(pk__in=[teacher.pk, disciple.pk]))
    _check_link(teacher=teacher, disciple=disciple, kind=kind)
    if Link.objects.filter(teacher=teacher, disciple=disciple, kind=kind).exists():
        raise ApplicationError(_("徒：这一师承关系已录入"), field="disciple")
    link = Link(
        teacher=teacher,
        disciple=disciple,
        kind=kind,
        certainty=certainty,
        disputed=disputed,
        dispute_note=dispute_note.strip(),
        note=note,
        entered_by=actor,
        entered_org=entering_organization(actor),
    )
    _dates(link, {"start": start, "end": end}, LINK_DATES)
    _valid(link)
    link.save()
    link.techniques.set(techniques)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=link, to_state=str(Link.Status.DRAFT.label))
    if citation:
        citation_add(actor=actor, link=link, **citation)
    return link


@transaction.atomic
def citation_add(
    *, actor: User, link: Link, source: Source | None, quoted_text: str = "", page: str = "", certainty: int = 2
) -> Citation:
    authorize(actor, "lineage.edit", link)
    if link.status not in (Link.Status.DRAFT, Link.Status.RETURNED):
        raise ApplicationError(
            _("师承关系处于「%(state)s」状态，不能再添加引证") % {"state": link.get_status_display()}, field="source"
        )
    if source is None:
        raise ApplicationError(_("来源：引证必须有来源"), field="source")
    authorize(actor, "lineage.view", source)
    _check_certainty(certainty)
    citation = Citation(
        link=link, source=source, quoted_text=quoted_text, page=page.strip(), certainty=certainty, entered_by=actor
    )
    _valid(citation)
    citation.save()
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=link, reason=f"引证：{source}")
    return citation


@workflow.atomic()
def link_move(link: Link, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> Link:
    """MOVE_SERVICE of Link: submit, verify or return."""
    if to in Link.REASON_REQUIRED and not reason.strip():
        raise ApplicationError(_("退回必须填写原因，录入人将看到这些意见"), field="reason")
    locked = workflow.lock(link)
    workflow.transition(locked, to, actor=actor, reason=reason, expect=expect)
    # After the move's own checks, so that someone who may not move it learns nothing more.
    if to == Link.Status.SUBMITTED and not locked.citations.exists():
        raise ApplicationError(_("引证：提交核实前至少要有一条来源引证"), field="citation")
    if to == Link.Status.VERIFIED:
        # What was checked when it was entered may have changed since (another link verified,
        # a date corrected): checked again against the graph as it stands.
        _check_link(teacher=locked.teacher, disciple=locked.disciple, kind=locked.kind)
    return locked


def link_submit(*, link: Link, actor: User, expect: str | None = None) -> Link:
    return link_move(link, to=Link.Status.SUBMITTED, actor=actor, expect=expect)


@transaction.atomic
def link_create_with_source(
    *,
    actor: User,
    source: Source | None,
    new_source: dict | None,
    quoted_text: str = "",
    page: str = "",
    citation_certainty: int = Certainty.SECONDARY,
    **link_fields,
) -> Link:
    """The staff's one form: a link and its first citation, on an existing source or a new one —
    all of it, or nothing (a refused link leaves no orphan source behind)."""
    if source is None and new_source:
        source = source_create(actor=actor, **new_source)
    if source is None:
        raise ApplicationError(_("来源：请选择已有来源，或填写新来源的类型和题名"), field="source")
    return link_create(
        actor=actor,
        citation={"source": source, "quoted_text": quoted_text, "page": page, "certainty": citation_certainty},
        **link_fields,
    )
