"""Writes for techniques: declarations, their workflow, vocabularies, protection and procedures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organization, Region, User
from accounts.permissions import authorize
from lib import fieldcrypt, files
from lib.errors import ApplicationError
from lib.identifiers import validate_mobile, validate_resident_id
from techniques.models import (
    ConsentRecord,
    Procedure,
    ProtectionRecord,
    SimilarityFlag,
    Technique,
    TechniqueFile,
    TechniqueHolder,
    Term,
    TermRevision,
    Vocabulary,
)
from techniques.permissions import check_curate, check_decide_duplicates, is_classifiable, is_editable
from workflow import services as workflow
from workflow.models import AuditEntry
from workflow.services import audit_record

Status = Technique.Status

# What a declaration must have before it can be submitted, with the label the form shows.
REQUIRED_FOR_SUBMIT = [
    ("name", gettext_lazy("技术名称")),
    ("region", gettext_lazy("所在地区")),
    ("category", gettext_lazy("技术类别")),
    ("inheritance", gettext_lazy("传承方式")),
    ("theory_features", gettext_lazy("理论与治疗特色")),
    ("operation_method", gettext_lazy("操作方法或制备工艺")),
    ("indications", gettext_lazy("适应证（治疗病种、证候或其他适应证）")),
    ("holders", gettext_lazy("技术持有人")),
]
# Everything that makes a declaration complete, for the completeness indicator.
COMPLETENESS = REQUIRED_FOR_SUBMIT + [
    ("origin_history", gettext_lazy("源流与历史")),
    ("contraindications", gettext_lazy("禁忌与风险")),
    ("typical_cases", gettext_lazy("典型病例与疗效")),
    ("features", gettext_lazy("治法特色")),
    ("files", gettext_lazy("图片、视频或文档")),
]


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]
    missing_required: list[str]


def _has(technique: Technique, key: str) -> bool:
    if key == "indications":
        return bool(technique.indications_free.strip()) or technique.diseases.exists() or technique.syndromes.exists()
    if key in ("holders", "files", "features"):
        return getattr(technique, key).exists()
    value = getattr(technique, key if key not in ("region", "category", "inheritance") else f"{key}_id")
    return bool(value.strip()) if isinstance(value, str) else value is not None


def technique_completeness(technique: Technique) -> Completeness:
    missing = [str(label) for key, label in COMPLETENESS if not _has(technique, key)]
    required = [str(label) for key, label in REQUIRED_FOR_SUBMIT if str(label) in missing]
    percent = round(100 * (len(COMPLETENESS) - len(missing)) / len(COMPLETENESS))
    return Completeness(percent=percent, missing=missing, missing_required=required)


@dataclass
class HolderData:
    name: str
    id_number: str = ""
    phone: str = ""
    qualifications: str = ""
    is_recognised_specialist: bool = False
    user: User | None = None


def _check_offline_entry(actor: User, entered_org: Organization | None, region: Region | None) -> None:
    if entered_org is None:
        raise ApplicationError(_("线下代录必须选择录入单位"), field="entered_org")
    if not actor.is_superuser and not actor.memberships.filter(organization=entered_org, role="office_staff").exists():
        raise ApplicationError(
            _("您不是「%(org)s」的工作人员，不能以该单位名义录入") % {"org": entered_org.name}, field="entered_org"
        )
    if region is not None and not entered_org.region.contains(region):
        raise ApplicationError(
            _("「%(region)s」不在「%(org)s」的辖区内，请由所在地的工作人员录入")
            % {"region": region.name, "org": entered_org.name},
            field="region",
        )


def _set_holders(technique: Technique, holders: list[HolderData]) -> None:
    technique.holders.all().delete()
    rows = []
    for position, data in enumerate(holders):
        if not data.name.strip():
            continue
        holder = TechniqueHolder(
            technique=technique,
            user=data.user,
            name=data.name.strip(),
            phone=validate_mobile(data.phone) if data.phone else "",
            qualifications=data.qualifications,
            is_recognised_specialist=data.is_recognised_specialist,
            is_primary=position == 0,
        )
        if data.id_number:
            holder.set_id_number(validate_resident_id(data.id_number))
        rows.append(holder)
    TechniqueHolder.objects.bulk_create(rows)


def _set_terms(technique: Technique, *, diseases=None, syndromes=None, features=None) -> None:
    if diseases is not None:
        technique.diseases.set(diseases)
    if syndromes is not None:
        technique.syndromes.set(syndromes)
    if features is not None:
        technique.features.set(features)


def resolve_terms(vocabulary: str, names: list[str]) -> tuple[list[Term], list[str]]:
    """Known names → their terms; the rest come back as free text, to be kept and flagged."""
    wanted = [n.strip() for n in names if n.strip()]
    found = {t.name: t for t in Term.objects.filter(vocabulary=vocabulary, name__in=wanted, is_active=True)}
    return [found[n] for n in wanted if n in found], [n for n in wanted if n not in found]


@contextmanager
def _rules_as_errors() -> Iterator[None]:
    """The model's and the identifiers' validation speaks Django's ValidationError; a service
    speaks ApplicationError, naming the field when there is one, so that every exit shows it."""
    try:
        yield
    except ValidationError as exc:
        fields = list(getattr(exc, "error_dict", {}))
        raise ApplicationError("；".join(exc.messages), field=fields[0] if len(fields) == 1 else None) from exc


# What each uploaded file of a technique may be, by its content (lib/files), and how large. A paper
# form's scan is a scan; supporting documents may also be Word documents (never archives).
SCAN_TYPES = files.DOCUMENT
DOCUMENT_TYPES = files.DOCUMENT | {files.DOCX}
DOCUMENT_LIMIT = files.LIMITS["document"]


def _accept(upload, *, allowed: set[str], label, field: str, max_bytes: int = DOCUMENT_LIMIT) -> str:
    """lib.files.accept_upload, speaking ApplicationError with the form field it names: the
    upload is renamed to `upload.<extension of what it is>` and its type returned, to be stored."""
    try:
        return files.accept_upload(upload, allowed=allowed, field_label=str(label), max_bytes=max_bytes)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field=field) from exc


def _accept_scan(fields: dict) -> None:
    """A paper form's scan among a declaration's fields is typed by content, its type kept beside it."""
    scan = fields.get("scanned_original")
    if scan:
        fields["scanned_original_type"] = _accept(
            scan, allowed=SCAN_TYPES, label=_("纸质申报表扫描件"), field="scanned_original"
        )


def _reindex(technique: Technique) -> None:
    from techniques.search import reindex

    transaction.on_commit(lambda: reindex([technique.pk]))


@transaction.atomic
def technique_create(
    *,
    actor: User,
    channel: str = Technique.Channel.ONLINE,
    entered_org: Organization | None = None,
    holders: list[HolderData] | None = None,
    diseases: list[Term] | None = None,
    syndromes: list[Term] | None = None,
    features: list[Term] | None = None,
    **fields,
) -> Technique:
    authorize(actor, "technique.create")
    if channel != Technique.Channel.ONLINE:
        _check_offline_entry(actor, entered_org, fields.get("region"))
    _accept_scan(fields)
    technique = Technique(entered_by=actor, entered_org=entered_org, channel=channel, **fields)
    with _rules_as_errors():
        technique.full_clean(exclude=["entered_by", "code"])
        technique.save()
        if holders is None and channel == Technique.Channel.ONLINE:
            holders = [HolderData(name=actor.display_name, phone=actor.phone, user=actor)]
        _set_holders(technique, holders or [])
    _refuse_exact_duplicate(technique, holders or [])
    _set_terms(technique, diseases=diseases, syndromes=syndromes, features=features)
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=technique,
        to_state="草稿",
        reason=technique.get_channel_display(),
    )
    _reindex(technique)
    return technique


@transaction.atomic
def technique_update(
    *,
    technique: Technique,
    actor: User,
    holders: list[HolderData] | None = None,
    diseases: list[Term] | None = None,
    syndromes: list[Term] | None = None,
    features: list[Term] | None = None,
    **fields,
) -> Technique:
    technique = Technique.objects.select_for_update().get(pk=technique.pk)
    authorize(actor, "technique.edit", technique)
    if not is_editable(technique):
        raise ApplicationError(_("申报处于「%(state)s」状态，不能修改") % {"state": technique.get_status_display()})
    if technique.channel != Technique.Channel.ONLINE and "region" in fields:
        _check_offline_entry(actor, technique.entered_org, fields["region"])
    _accept_scan(fields)
    before = _content(technique)
    for name, value in fields.items():
        setattr(technique, name, value)
    with _rules_as_errors():
        technique.full_clean(exclude=["entered_by", "code"])
        technique.save()
        if holders is not None:
            _set_holders(technique, holders)
    _refuse_exact_duplicate(technique, holders)
    _set_terms(technique, diseases=diseases, syndromes=syndromes, features=features)
    after = _content(technique)
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        # The names of what changed, never the values: the log must not become a copy of the
        # holders' personal data or of a secret formula (issue 13 §6).
        labels = "、".join(_content_label(key) for key in changed)
        audit_record(
            action=AuditEntry.Action.TRANSITION,
            actor=actor,
            obj=technique,
            from_state=technique.get_status_display(),
            to_state="已修改",
            reason=f"修改了：{labels}",
        )
    _reindex(technique)
    return technique


_FOREIGN_KEYS = {f.name for f in Technique._meta.concrete_fields if f.is_relation}


# What an edit of a declaration can change, as compared before and after it for the audit row.
CONTENT_FIELDS = [
    f.name
    for f in Technique._meta.concrete_fields
    if f.editable and f.name not in ("id", "code", "status", "entered_by", "entered_org", "channel", "submitted_at")
]


def _content_label(key: str) -> str:
    return str(TechniqueHolder._meta.verbose_name if key == "holders" else Technique._meta.get_field(key).verbose_name)


def _content(technique: Technique) -> dict:
    content = {key: getattr(technique, f"{key}_id" if key in _FOREIGN_KEYS else key) for key in CONTENT_FIELDS}
    content["scanned_original"] = technique.scanned_original.name
    for key in ("diseases", "syndromes", "features"):
        content[key] = set(getattr(technique, key).values_list("pk", flat=True))
    content["holders"] = list(
        technique.holders.order_by("pk").values_list(
            "name", "id_number_hash", "phone_hash", "qualifications", "is_recognised_specialist", "user_id"
        )
    )
    return content


@workflow.atomic()
def technique_submit(*, technique: Technique, actor: User, reason: str = "", expect: str | None = None) -> Technique:
    """The declarant sends a draft or a returned declaration on: it gets its number at the first
    submission and is compared with the others for possible duplicates."""
    completeness = technique_completeness(technique)
    if completeness.missing_required:
        raise ApplicationError(_("提交前请填写：%(fields)s") % {"fields": "、".join(completeness.missing_required)})
    locked = workflow.lock(technique)
    # The audit log is a legal record, written in the programme's language.
    workflow.transition(locked, Status.SUBMITTED, actor=actor, reason=reason or "提交申报", expect=expect)
    locked.submitted_at = timezone.now()
    locked.code = locked.code or f"YC{timezone.localdate():%Y}{locked.pk:06d}"
    locked.save(update_fields=["submitted_at", "code"])
    technique.submitted_at, technique.code = locked.submitted_at, locked.code
    flag_similar(locked)
    return locked


@workflow.atomic()
def technique_advance(
    *, technique: Technique, actor: User, to: str, reason: str = "", expect: str | None = None
) -> Technique:
    """Receive, verify, accept, return or (un)publish: whatever the transition table allows."""
    if to in Technique.REASON_REQUIRED and not reason.strip():
        raise ApplicationError(_("退回必须填写原因，申报人将看到这些意见"), field="reason")
    locked = workflow.lock(technique)
    workflow.transition(locked, to, actor=actor, reason=reason, expect=expect)
    # After the move's own checks, so that someone who may not publish learns nothing of consent.
    if to == Status.PUBLISHED and not locked.consent_publish:
        raise ApplicationError(_("持有人未同意公开，不能公开该技术"))
    return locked


def technique_move(
    technique: Technique, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Technique:
    """MOVE_SERVICE of Technique: the workflow buttons' way in."""
    if to == Status.MERGED:
        # Which declaration is kept is chosen on the merge page (move_pages), never guessed.
        raise ApplicationError(_("合并请在合并页面选择保留的申报"), field="to")
    if to == Status.SUBMITTED:
        return technique_submit(technique=technique, actor=actor, reason=reason, expect=expect)
    return technique_advance(technique=technique, actor=actor, to=to, reason=reason, expect=expect)


# --- duplicates -------------------------------------------------------------------------------

NAME_SIMILARITY = 0.8
TEXT_SIMILARITY = 0.9


def flag_similar(technique: Technique) -> list[SimilarityFlag]:
    """Flag declarations that look like this one: a near-identical name or a near-identical
    method text. The same holder alone is no sign of a duplicate — a holder may hold several
    techniques (issue 12 §10). Staff
    decide (not a duplicate, or merge); nothing merges by itself. An exact duplicate (the same
    holder, name and method) never gets this far: it is refused (exact_duplicate)."""
    others = Technique.objects.exclude(pk=technique.pk).exclude(status=Status.DRAFT).exclude(status=Status.MERGED)
    flags: list[SimilarityFlag] = []
    # Candidates for name/text similarity share a two-character piece of the name.
    name = technique.name
    pieces = {name[i : i + 2] for i in range(max(len(name) - 1, 1))}
    candidates = Q(pk__in=[])
    for piece in list(pieces)[:8]:
        candidates |= Q(name__contains=piece)
    for other in others.filter(candidates).only("pk", "name", "operation_method")[:300]:
        ratio = SequenceMatcher(None, name, other.name).ratio()
        if ratio >= NAME_SIMILARITY:
            flags.append(
                SimilarityFlag(
                    technique=technique,
                    similar_to=other,
                    reason="similar_name",
                    score=round(ratio, 3),
                    detail=f"「{name}」与「{other.name}」",
                )
            )
        if len(technique.operation_method) > 40 and len(other.operation_method) > 40:
            text_ratio = SequenceMatcher(None, technique.operation_method, other.operation_method).ratio()
            if text_ratio >= TEXT_SIMILARITY:
                flags.append(
                    SimilarityFlag(
                        technique=technique,
                        similar_to=other,
                        reason="similar_text",
                        score=round(text_ratio, 3),
                        detail="操作方法或制备工艺几乎相同",
                    )
                )
    SimilarityFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return flags


def method_key(text: str) -> str:
    # The same method typed with other spacing or line breaks is the same method.
    return re.sub(r"\s+", "", text or "")


class DuplicateDeclaration(ApplicationError):
    """The technique is already declared: same holder, same name, same method (issue 12 §10).
    `existing` is the declaration it repeats; pages link to it (`link_html`)."""

    def __init__(self, existing: Technique):
        super().__init__(
            _(
                "该技术已申报：「%(name)s」（%(code)s）的持有人、技术名称和操作方法都与本申报相同，"
                "请勿重复申报；如需补充材料，请在原申报（%(url)s）中修改或联系受理单位"
            )
            % {"name": existing.name, "code": existing.code or _("未提交"), "url": existing.get_absolute_url()},
            field="name",
        )
        self.existing = existing

    def link_html(self) -> SafeString:
        return format_html(
            '{} <a href="{}">{}</a>',
            self.message,
            self.existing.get_absolute_url(),
            _("查看原申报「%(name)s」") % {"name": self.existing.name},
        )


def exact_duplicate(
    *, name: str, operation_method: str, holders: list[HolderData], region: Region | None, exclude_pk: int | None = None
) -> Technique | None:
    """The declaration this one repeats: the same name, the same method (spacing aside) and a
    holder in common — by ID number, or by name within the same county when no ID number is
    given. None when there is none. A merged declaration repeats nothing any more."""
    name = (name or "").strip()
    method = method_key(operation_method)
    if not name or not method:
        return None
    hashes = [fieldcrypt.keyed_hash(h.id_number) for h in holders if h.id_number]
    names = [h.name.strip() for h in holders if h.name.strip() and not h.id_number]
    same_holder = Q(holders__id_number_hash__in=hashes) if hashes else Q(pk__in=[])
    if names and region is not None:
        same_holder |= Q(holders__name__in=names, region__prefix__startswith=region.prefix[:6])
    candidates = (
        Technique.objects.filter(name=name).exclude(status=Status.MERGED).filter(same_holder).distinct().order_by("pk")
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return next((t for t in candidates[:20] if method_key(t.operation_method) == method), None)


def _refuse_exact_duplicate(technique: Technique, holders: list[HolderData] | None) -> None:
    if holders is None:
        holders = [
            HolderData(name=h.name, id_number=h.id_number if h.id_number_hash else "") for h in technique.holders.all()
        ]
    existing = exact_duplicate(
        name=technique.name,
        operation_method=technique.operation_method,
        holders=holders,
        region=technique.region,
        exclude_pk=technique.pk,
    )
    if existing is not None:
        raise DuplicateDeclaration(existing)


@transaction.atomic
def similarity_flag_dismiss(*, flag: SimilarityFlag, actor: User, reason: str = "") -> SimilarityFlag:
    """Staff looked at a flagged pair and it is two techniques: the flag (both ways) is closed as
    not a duplicate, on record."""
    flag = SimilarityFlag.objects.select_for_update().select_related("technique", "similar_to").get(pk=flag.pk)
    _check_duplicate_decision(actor, flag.technique, flag.similar_to)
    if flag.resolved:
        raise ApplicationError(_("这一对申报已有结论：%(decision)s") % {"decision": flag.get_decision_display()})
    _close_pair(flag.technique, flag.similar_to, actor=actor, decision=SimilarityFlag.Decision.NOT_DUPLICATE)
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=flag.technique,
        from_state="可能重复",
        to_state="不是重复",
        reason=(reason or f"与「{flag.similar_to.name}」（{flag.similar_to.code or flag.similar_to.pk}）不是同一技术")[
            :200
        ],
    )
    flag.refresh_from_db()
    return flag


def _check_duplicate_decision(actor: User, *techniques: Technique) -> None:
    """Who decides a pair: staff who handle both declarations; outside either's scope the pair
    does not exist (404)."""
    for technique in techniques:
        check_decide_duplicates(actor, technique)


def _close_pair(a: Technique, b: Technique, *, actor: User, decision: str) -> None:
    SimilarityFlag.objects.filter(Q(technique=a, similar_to=b) | Q(technique=b, similar_to=a), resolved=False).update(
        resolved=True, decision=decision, decided_by=actor, decided_at=timezone.now()
    )


@workflow.atomic()
def technique_merge(
    *, technique: Technique, into: Technique, actor: User, reason: str = "", expect: str | None = None
) -> Technique:
    """Merges a duplicate declaration into the one that is kept (issue 12 §10). The merged one
    moves to 已合并 through the workflow (its history and audit trail stay its own, and it points
    at the kept one); its files, protection and consent records, procedures, holders,
    classifications and research links move to the kept one, which records what it received."""
    if technique.pk == into.pk:
        raise ApplicationError(_("不能把申报合并到它自己"), field="into")
    authorize(actor, "technique.view", into)
    locked = workflow.lock(technique)
    kept = Technique.objects.select_for_update().get(pk=into.pk)
    if kept.status in (Status.MERGED, Status.DRAFT):
        raise ApplicationError(
            _("保留的申报处于「%(state)s」状态，不能接收合并") % {"state": kept.get_status_display()}, field="into"
        )
    why = reason.strip() or f"与「{kept.name}」（{kept.code or kept.pk}）为同一技术，合并入该申报"
    workflow.transition(locked, Status.MERGED, actor=actor, reason=why[:200], expect=expect)
    _check_duplicate_decision(actor, kept)
    locked.merged_into = kept
    locked.save(update_fields=["merged_into"])
    moved = {
        "files": TechniqueFile.objects.filter(technique=locked).update(technique=kept),
        "protections": ProtectionRecord.objects.filter(technique=locked).update(technique=kept),
        "consents": ConsentRecord.objects.filter(technique=locked).update(technique=kept),
    }
    # Procedures are numbered per technique: the merged ones follow the kept ones' versions.
    for procedure in Procedure.objects.filter(technique=locked).order_by("kind", "version"):
        top = kept.procedures.filter(kind=procedure.kind).aggregate(m=Max("version"))["m"] or 0
        Procedure.objects.filter(pk=procedure.pk).update(technique=kept, version=top + 1)
    known = set(kept.holders.values_list("id_number_hash", flat=True)) - {""}
    known_names = set(kept.holders.filter(id_number_hash="").values_list("name", flat=True))
    for holder in locked.holders.all():
        if (holder.id_number_hash and holder.id_number_hash in known) or (
            not holder.id_number_hash and holder.name in known_names
        ):
            continue
        holder.pk, holder.technique, holder.is_primary = None, kept, False
        holder.save()
    for relation in ("diseases", "syndromes", "features", "research_projects"):
        getattr(kept, relation).add(*getattr(locked, relation).all())
    kept.save(update_fields=["updated_at"])
    _close_pair(locked, kept, actor=actor, decision=SimilarityFlag.Decision.MERGED)
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=kept,
        from_state=kept.get_status_display(),
        to_state="已合并入",
        reason=(
            f"合并了「{locked.name}」（{locked.code or locked.pk}）：附件 {moved['files']} 个、"
            f"保护记录 {moved['protections']} 条、知情同意 {moved['consents']} 条"
        )[:200],
    )
    _reindex(locked)
    _reindex(kept)
    return locked


# --- vocabularies ------------------------------------------------------------------------------


@transaction.atomic
def term_create(*, actor: User, vocabulary: str, name: str, basis: str = "") -> Term:
    authorize(actor, "vocabulary.manage")
    name = name.strip()
    if not name or len(name) > 64:
        raise ApplicationError(_("术语名称不能为空，且不超过 64 个字"), field="name")
    if vocabulary not in Vocabulary.values:
        raise ApplicationError(_("未知的词表"), field="vocabulary")
    if Term.objects.filter(vocabulary=vocabulary, name=name).exists():
        raise ApplicationError(_("「%(name)s」已在词表中") % {"name": name}, field="name")
    order = (Term.objects.filter(vocabulary=vocabulary).aggregate(m=Max("sort_order"))["m"] or 0) + 1
    term = Term.objects.create(vocabulary=vocabulary, name=name, basis=basis, sort_order=order)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=term, to_state=name)
    return term


@transaction.atomic
def term_rename(*, term: Term, actor: User, new_name: str, reason: str = "") -> Term:
    """A renamed term keeps its id, so every technique classified under it follows the rename."""
    authorize(actor, "vocabulary.manage")
    term = Term.objects.select_for_update().get(pk=term.pk)
    new_name = new_name.strip()
    if not new_name or len(new_name) > 64:
        raise ApplicationError(_("术语名称不能为空，且不超过 64 个字"), field="new_name")
    if new_name == term.name:
        raise ApplicationError(_("新名称与原名称相同"), field="new_name")
    if Term.objects.filter(vocabulary=term.vocabulary, name=new_name).exclude(pk=term.pk).exists():
        raise ApplicationError(_("「%(name)s」已在词表中") % {"name": new_name}, field="new_name")
    old = term.name
    term.name = new_name
    term.version += 1
    term.save(update_fields=["name", "version"])
    TermRevision.objects.create(
        term=term, version=term.version, old_name=old, new_name=new_name, changed_by=actor, reason=reason
    )
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=term,
        from_state=old,
        to_state=new_name,
        reason=reason or "术语更名",
    )
    from techniques.search import reindex

    ids = list(
        Technique.objects.filter(
            Q(category=term) | Q(inheritance=term) | Q(diseases=term) | Q(syndromes=term) | Q(features=term)
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    transaction.on_commit(lambda: reindex(ids))
    return term


# --- protection and procedures ------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, technique: Technique, actor: User, kind: str, granted: bool, holder_name: str, document=None
) -> ConsentRecord:
    """Records a holder's decision and sets the technique's consent flag to it (PRO-1)."""
    check_curate(actor, technique)
    document_type = _accept(document, allowed=DOCUMENT_TYPES, label=_("签字文件"), field="document") if document else ""
    record = ConsentRecord.objects.create(
        technique=technique,
        kind=kind,
        granted=granted,
        holder_name=holder_name,
        recorded_by=actor,
        document=document or "",
        document_type=document_type,
    )
    field = {"publish": "consent_publish", "research": "consent_research"}[kind]
    Technique.objects.filter(pk=technique.pk).update(**{field: granted})
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=technique, to_state=str(record), reason="知情同意记录"
    )
    return record


@transaction.atomic
def procedure_add_version(
    *, technique: Technique, actor: User, title: str, body: str, quality_standard: str = "", document=None
) -> Procedure:
    """A new version of the SOP (operation-based) or preparation standard (drug-based)."""
    check_curate(actor, technique)
    kind = (
        Procedure.Kind.PREPARATION if technique.category and technique.category.basis == "drug" else Procedure.Kind.SOP
    )
    if not title.strip() or not body.strip():
        raise ApplicationError(_("标题和内容都必须填写"), field="body")
    document_type = _accept(document, allowed=DOCUMENT_TYPES, label=_("附件"), field="document") if document else ""
    version = (technique.procedures.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
    procedure = Procedure.objects.create(
        technique=technique,
        kind=kind,
        version=version,
        title=title.strip(),
        body=body,
        quality_standard=quality_standard,
        document=document or "",
        document_type=document_type,
        created_by=actor,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=technique,
        to_state=f"{procedure.get_kind_display()} v{version}",
    )
    return procedure


def holders_viewed(*, viewer: User, technique: Technique) -> None:
    """Holders' identities are personal data: every view is logged (OPS-1)."""
    audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=viewer, obj=technique, reason="技术持有人信息")


@transaction.atomic
def protection_add(
    *,
    technique: Technique,
    actor: User,
    kind: str,
    title: str,
    level: str = "",
    number: str = "",
    granted_on=None,
    document=None,
    note: str = "",
) -> ProtectionRecord:
    """PRO-1: an ICH listing (with its level), a patent, a trade secret or a holder's right."""
    check_curate(actor, technique)
    if kind not in ProtectionRecord.Kind.values:
        raise ApplicationError(_("未知的保护类型"), field="kind")
    if not title.strip():
        raise ApplicationError(_("请填写名称"), field="title")
    if kind == ProtectionRecord.Kind.ICH and level not in ("national", "provincial", "city", "county"):
        raise ApplicationError(_("非物质文化遗产名录必须注明级别（国家级、省级、市级或县级）"), field="level")
    document_type = _accept(document, allowed=DOCUMENT_TYPES, label=_("证明文件"), field="document") if document else ""
    record = ProtectionRecord.objects.create(
        technique=technique,
        kind=kind,
        level=level if kind == "ich" else "",
        title=title.strip(),
        number=number,
        granted_on=granted_on,
        document=document or "",
        document_type=document_type,
        note=note,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=technique,
        to_state=f"{record.get_kind_display()}：{record.title}"[:40],
        reason="保护记录",
    )
    return record


# The kinds of a technique's own files, what each may be by content, and its size limit (lib/files).
MEDIA_TYPES = {
    TechniqueFile.Kind.IMAGE: (files.IMAGE, files.LIMITS["image"]),
    TechniqueFile.Kind.VIDEO: (files.VIDEO, files.LIMITS["video"]),
    TechniqueFile.Kind.DOCUMENT: ({files.PDF, files.DOCX}, files.LIMITS["document"]),
}


@transaction.atomic
def technique_file_add(*, technique: Technique, actor: User, upload, title: str = "") -> TechniqueFile:
    """Images, video and documents of a declaration, typed by their content, not their name; the
    kind, and so the size limit, is what the content is."""
    check_curate(actor, technique)
    label = _("图片、视频或文档")
    allowed = set().union(*(types for types, _limit in MEDIA_TYPES.values()))
    largest = max(limit for _types, limit in MEDIA_TYPES.values())
    mime = _accept(upload, allowed=allowed, label=label, field="file", max_bytes=largest)
    kind, limit = next((k, limit) for k, (types, limit) in MEDIA_TYPES.items() if mime in types)
    if upload.size > limit:
        raise ApplicationError(
            _("%(label)s：%(kind)s不能超过 %(limit)s MB")
            % {"label": label, "kind": TechniqueFile.Kind(kind).label, "limit": limit // files.MB},
            field="file",
        )
    record = TechniqueFile.objects.create(
        technique=technique, kind=kind, file=upload, title=title.strip()[:100], content_type=mime, uploaded_by=actor
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=technique,
        to_state=f"{record.get_kind_display()}附件",
        reason=record.title,
    )
    return record


@transaction.atomic
def technique_classify(
    *, technique: Technique, actor: User, grade: str, management_class: str, reason: str = ""
) -> Technique:
    """Graded and classified management (TEC-2): the city sets a technique's grade and class.
    (The evaluation workflow of issue 5 will propose grades; the decision is recorded here.)"""
    technique = Technique.objects.select_for_update().get(pk=technique.pk)
    authorize(actor, "technique.accept", technique)
    if not is_classifiable(technique):
        raise ApplicationError(_("只有已入库的技术才能分级分类"))
    if grade not in Technique.Grade.values:
        raise ApplicationError(_("等级只能是甲级、乙级、丙级或未分级"), field="grade")
    management_class = management_class.strip()
    if len(management_class) > 40:
        raise ApplicationError(_("管理类别不能超过 40 个字"), field="management_class")
    before = f"{technique.get_grade_display()}/{technique.management_class or '—'}"
    technique.grade = grade
    technique.management_class = management_class
    technique.save(update_fields=["grade", "management_class", "updated_at"])
    after = f"{technique.get_grade_display()}/{management_class or '—'}"
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=technique,
        from_state=before[:40],
        to_state=after[:40],
        reason=reason or "分级分类",
    )
    return technique
