"""Writes for the apprentice application (APP-1), its two-stage review (APP-3), matching and the
contract (APP-4), ending in the `Apprenticeship` itself.

Every state change goes through workflow.transition(); every step notifies whoever must act next
or whose record changed.
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.permissions import authorize
from apprenticeships.models import (
    TERM_MONTHS,
    ApplicationDocument,
    ApplicationExemption,
    ApprenticeApplication,
    Apprenticeship,
    ContractSignature,
    Document,
    DocumentReview,
    IntendedMaster,
    Match,
    Party,
)
from apprenticeships.rules import check_application, facts_for, required_documents
from lib.errors import ApplicationError, ConflictError
from masters.models import Master
from notifications.services import notify
from workflow.context import current_ip
from workflow.models import AuditEntry
from workflow.services import TransitionNotAllowed, audit_record, state_label, transition

Status = ApprenticeApplication.Status
Verdict = ApplicationDocument.Verdict
EDITABLE = (Status.DRAFT, Status.RETURNED)
MAX_INTENDED = 3
DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# What the applicant fills in, in the order the form shows it.
EDITABLE_FIELDS = (
    "name",
    "organization",
    "title",
    "specialty",
    "intention",
    "term",
    "is_folk_practitioner",
    "recommending_organization",
    "credential",
    "credential_issuer_level",
    "exemption_requested",
    "exemption_claim",
    "region",
)


# --- people to tell --------------------------------------------------------------------------------


def _programme_people(kind: str, roles=(Membership.Role.REVIEWER, Membership.Role.UNIT_ADMIN)) -> list[User]:
    # Bounded: a programme unit has a handful of reviewers, never thousands.
    return list(
        User.objects.filter(
            is_active=True, memberships__organization__kind=kind, memberships__role__in=roles
        ).distinct()[:50]
    )


def _application_url(application: ApprenticeApplication) -> str:
    return reverse("apprenticeships:application-detail", args=[application.pk])


def _match_url(match: Match) -> str:
    return reverse("apprenticeships:match-detail", args=[match.pk])


# --- the application -------------------------------------------------------------------------------


def _certified_masters(masters) -> list[Master]:
    masters = list(masters or [])
    if not masters:
        raise ApplicationError("请至少选择一位意向传承人", field="masters")
    if len(masters) > MAX_INTENDED:
        raise ApplicationError(f"意向传承人最多选择 {MAX_INTENDED} 位", field="masters")
    if len({m.pk for m in masters}) != len(masters):
        raise ApplicationError("同一位传承人不能重复选择", field="masters")
    for master in masters:
        if master.status != Master.Status.CERTIFIED:
            raise ApplicationError(f"「{master.name}」不是已认证的传承人，不能作为意向传承人", field="masters")
    return masters


def _already_open(applicant: User, masters: list[Master], *, excluding: int | None = None) -> None:
    taken = IntendedMaster.objects.filter(applicant=applicant, master__in=masters, is_open=True).select_related(
        "master"
    )
    if excluding is not None:
        taken = taken.exclude(application_id=excluding)
    taken = list(taken)
    if taken:
        names = "、".join(t.master.name for t in taken)
        raise ApplicationError(
            f"您向「{names}」的师承申请尚在办理中，不能重复申请；请在原申请中查看进度", field="masters"
        )


def _set_intents(application: ApprenticeApplication, masters: list[Master]) -> None:
    _already_open(application.applicant, masters, excluding=application.pk)
    application.intents.all().delete()
    try:
        # A savepoint, so that the database's refusal (two requests at once) leaves the
        # surrounding transaction usable for the message.
        with transaction.atomic():
            IntendedMaster.objects.bulk_create(
                [
                    IntendedMaster(application=application, master=m, applicant=application.applicant, position=i)
                    for i, m in enumerate(masters, start=1)
                ]
            )
    except IntegrityError:
        raise ApplicationError("您向所选传承人的师承申请尚在办理中，不能重复申请", field="masters") from None


def _clean(application: ApprenticeApplication) -> None:
    if not application.is_folk_practitioner:
        application.recommending_organization = None
        application.credential = ""
        application.credential_issuer_level = ""
    if not application.exemption_requested:
        application.exemption_claim = ""
    elif not application.exemption_claim.strip():
        raise ApplicationError("申请特殊专长豁免时，须说明在行业中的特殊专长或贡献", field="exemption_claim")
    try:
        application.full_clean(exclude=["applicant", "entered_by_organization"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        label = ApprenticeApplication._meta.get_field(field).verbose_name if field != "__all__" else ""
        raise ApplicationError(f"{label}：{messages[0]}" if label else messages[0], field=field) from exc


@transaction.atomic
def apprentice_application_create(*, actor: User, masters, **fields) -> ApprenticeApplication:
    """A draft application by `actor` for themselves (000 §四(一))."""
    if not actor.is_authenticated or not actor.is_active:
        raise ApplicationError("请先登录")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    # Lock the person's row: two tabs saving at once must not both pass the duplicate check.
    User.objects.select_for_update().get(pk=actor.pk)
    masters = _certified_masters(masters)
    _already_open(actor, masters)
    application = ApprenticeApplication(applicant=actor, **fields)
    application.name = (fields.get("name") or actor.display_name).strip()
    _clean(application)
    application.save()
    _set_intents(application, masters)
    audit_record(action=AuditEntry.Action.CREATE, actor=actor, obj=application, to_state="草稿", reason="师承申请")
    return application


def _lock_own(application: ApprenticeApplication, actor: User, act: str) -> ApprenticeApplication:
    application = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, act, application)
    if application.applicant_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied("只有申请人本人可以修改或提交申请")
    return application


@transaction.atomic
def apprentice_application_update(
    *, application: ApprenticeApplication, actor: User, masters=None, **fields
) -> ApprenticeApplication:
    application = _lock_own(application, actor, "apprentice_application.submit")
    if application.status not in EDITABLE:
        raise ApplicationError(f"申请处于「{application.get_status_display()}」状态，不能修改")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    User.objects.select_for_update().get(pk=application.applicant_id)
    for key, value in fields.items():
        setattr(application, key, value)
    _clean(application)
    application.save()
    if masters is not None:
        _set_intents(application, _certified_masters(masters))
    return application


@transaction.atomic
def apprentice_document_add(
    *, application: ApprenticeApplication, actor: User, kind: str, upload
) -> ApplicationDocument:
    """Attach a document, typed by its content; a new file of a kind replaces the earlier one."""
    from lib.files import check_upload

    application = _lock_own(application, actor, "apprentice_application.submit")
    if application.status not in EDITABLE:
        raise ApplicationError(f"申请处于「{application.get_status_display()}」状态，不能更换材料")
    if kind not in Document.values:
        raise ApplicationError("请选择材料类别", field="kind")
    label = Document(kind).label
    try:
        mime = check_upload(upload, allowed=DOCUMENT_TYPES, field_label=label, max_bytes=MAX_DOCUMENT_BYTES)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="file") from exc
    return _store_document(application, actor, kind, upload, mime)


def _store_document(application, actor, kind, upload, mime) -> ApplicationDocument:
    application.documents.filter(kind=kind, superseded=False).update(superseded=True)
    document = ApplicationDocument.objects.create(
        application=application,
        kind=kind,
        file=upload,
        original_name=(getattr(upload, "name", "") or "")[-200:],
        content_type=mime,
        size=upload.size,
        round=application.round + 1,
        uploaded_by=actor,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=application,
        to_state="上传材料",
        reason=document.get_kind_display(),
    )
    return document


def current_documents(application: ApprenticeApplication) -> list[ApplicationDocument]:
    return [d for d in application.documents.all() if not d.superseded]


def submission_problems(application: ApprenticeApplication) -> list[str]:
    """Everything that stops the application from being submitted, each naming the rule."""
    problems = []
    documents = current_documents(application)
    have = {d.kind for d in documents}
    facts = facts_for(application)
    for kind in required_documents(facts):
        if kind not in have:
            problems.append(f"缺少材料「{Document(kind).label}」（000 §四(一) 须提交的相关材料）")
    for document in documents:
        if document.verdict in (Verdict.RETURNED, Verdict.REJECTED):
            problems.append(f"材料「{document.get_kind_display()}」已被退回，请上传修改后的文件")
    masters = [i.master for i in application.intents.select_related("master")]
    if not masters:
        problems.append("请至少选择一位意向传承人")
    for master, decision in check_application(application, masters):
        if not decision.passed:
            problems.append(
                f"向{master.get_tier_display()}「{master.name}」申请不符合 {decision.rule_id}"
                f"「{decision.clause_text}」（{decision.detail}）"
            )
    return problems


def apprentice_application_submit(*, application: ApprenticeApplication, actor: User) -> ApprenticeApplication:
    """Submit (or resubmit after a return) for the organizing unit's vetting; each submission opens
    a new review round."""
    with transaction.atomic():
        locked = _lock_own(application, actor, "apprentice_application.submit")
        problems = submission_problems(locked)
        if problems:
            more = "如有特殊专长或贡献，可申请豁免职称限制。" if locked.exemption_requested is False else ""
            raise ApplicationError("不能提交：" + "；".join(problems) + "。" + more)
        resubmit = locked.status == Status.RETURNED

        def stamp(row: ApprenticeApplication) -> None:
            row.round += 1
            row.submitted_at = timezone.now()
            row.save(update_fields=["round", "submitted_at"])
            # Documents not yet decided in an earlier round are this round's to decide.
            row.documents.filter(superseded=False).exclude(verdict=Verdict.ACCEPTED).update(verdict=Verdict.PENDING)
            notify(
                recipients=_programme_people(Organization.Kind.ORGANIZING, (Membership.Role.REVIEWER,)),
                title=f"师承申请待初审：{row.name}" + ("（修改后重新提交）" if resubmit else ""),
                body=f"第 {row.round} 轮审核。请逐项核验材料的真实性、有效性。",
                url=_application_url(row),
            )

        result = transition(
            locked, Status.SUBMITTED, actor=actor, reason="重新提交师承申请" if resubmit else "提交师承申请", then=stamp
        )
    application.refresh_from_db()
    return result


def _close_intents(application: ApprenticeApplication) -> None:
    application.intents.update(is_open=False)


def apprentice_application_withdraw(
    *, application: ApprenticeApplication, actor: User, reason: str = ""
) -> ApprenticeApplication:
    with transaction.atomic():
        locked = _lock_own(application, actor, "apprentice_application.submit")
        result = transition(locked, Status.WITHDRAWN, actor=actor, reason=reason or "申请人撤回", then=_close_intents)
    application.refresh_from_db()
    return result


@transaction.atomic
def apprentice_exemption_decide(
    *, application: ApprenticeApplication, actor: User, granted: bool, reason: str
) -> ApplicationExemption:
    """The organizing unit's reviewer decides a special-expertise exemption (000 §五(二))."""
    application = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "apprentice_application.exempt", application)
    if not reason.strip():
        raise ApplicationError("豁免决定必须填写理由", field="reason")
    if application.status not in (*EDITABLE, Status.SUBMITTED):
        raise ApplicationError(f"申请处于「{application.get_status_display()}」状态，不能再决定豁免")
    exemption = ApplicationExemption.objects.create(
        application=application, granted=granted, reason=reason.strip(), decided_by=actor
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=application,
        to_state="同意特殊专长豁免" if granted else "不同意特殊专长豁免",
        reason=reason.strip(),
    )
    notify(
        recipients=[application.applicant],
        title=f"特殊专长豁免决定：{'同意' if granted else '不同意'}",
        body=reason.strip(),
        url=_application_url(application),
    )
    return exemption


# --- the two-stage review (APP-3) ------------------------------------------------------------------


def _decided_elsewhere(application: ApprenticeApplication, exc: TransitionNotAllowed) -> ConflictError:
    application.refresh_from_db(fields=["status"])
    return ConflictError(
        f"该申请已由其他人员处理，当前状态为「{state_label(ApprenticeApplication, application.status)}」，"
        "您的决定未记录。请刷新页面查看最新结果。"
    )


def _member_org(actor: User, kind: str) -> Organization | None:
    membership = Membership.objects.filter(user=actor, organization__kind=kind).select_related("organization").first()
    return membership.organization if membership else None


def apprentice_application_vet(
    *,
    application: ApprenticeApplication,
    actor: User,
    verdicts: dict[int, tuple[str, str]],
    comment: str = "",
) -> ApprenticeApplication:
    """The organizing unit checks each document: accept, return for a fix, or reject, with reasons.
    The application follows: any rejected document rejects it, any returned one returns it, all
    accepted passes it on to the host unit. Two reviewers at once: the first decision stands."""
    documents = {d.pk: d for d in current_documents(application)}
    missing = [d for pk, d in documents.items() if pk not in verdicts]
    if missing:
        raise ApplicationError(
            "请对每一项材料给出审核结论：" + "、".join(d.get_kind_display() for d in missing), field="verdicts"
        )
    for pk, (verdict, reason) in verdicts.items():
        if pk not in documents:
            raise ApplicationError("材料已被替换或不属于该申请，请刷新页面", field="verdicts")
        if verdict not in (Verdict.ACCEPTED, Verdict.RETURNED, Verdict.REJECTED):
            raise ApplicationError(f"材料「{documents[pk].get_kind_display()}」的审核结论无效", field="verdicts")
        if verdict != Verdict.ACCEPTED and not (reason or "").strip():
            raise ApplicationError(
                f"材料「{documents[pk].get_kind_display()}」退回或不予认可时必须填写原因，申请人将看到这些意见",
                field="verdicts",
            )
    chosen = {v for v, _r in verdicts.values()}
    if Verdict.REJECTED in chosen:
        to = Status.REJECTED
    elif Verdict.RETURNED in chosen:
        to = Status.RETURNED
    else:
        to = Status.VETTED
    summary = "；".join(
        f"{documents[pk].get_kind_display()}：{ApplicationDocument.Verdict(v).label}"
        + (f"（{r.strip()}）" if r else "")
        for pk, (v, r) in verdicts.items()
    )
    reason = (comment.strip() + "。" if comment.strip() else "") + summary

    def record(row: ApprenticeApplication) -> None:
        for pk, (verdict, why) in verdicts.items():
            DocumentReview.objects.create(
                document_id=pk, round=row.round, verdict=verdict, reason=(why or "").strip(), reviewer=actor
            )
            ApplicationDocument.objects.filter(pk=pk).update(verdict=verdict)
        if to == Status.REJECTED:
            _close_intents(row)
        if to == Status.VETTED:
            notify(
                recipients=_programme_people(Organization.Kind.HOST),
                title=f"师承申请待审核确定：{row.name}",
                body="承办单位已初审通过。",
                url=_application_url(row),
            )
        outcome = {Status.VETTED: "初审通过", Status.RETURNED: "已退回修改", Status.REJECTED: "未通过"}[to]
        notify(recipients=[row.applicant], title=f"您的师承申请{outcome}", body=reason, url=_application_url(row))

    try:
        with transaction.atomic():
            # Vetting starts only from 已提交. Without this check a second reviewer arriving after
            # the first passed it would meet the host unit's moves out of 初审通过 (to 退回 or
            # 不予通过) and be told "no permission" instead of "already decided".
            locked = ApprenticeApplication.objects.select_for_update().only("status").get(pk=application.pk)
            if locked.status != Status.SUBMITTED:
                raise TransitionNotAllowed("已由其他人员处理")
            result = transition(application, to, actor=actor, reason=reason, then=record)
    except TransitionNotAllowed as exc:
        raise _decided_elsewhere(application, exc) from exc
    application.refresh_from_db()
    return result


REASON_REQUIRED = {Status.RETURNED: "退回", Status.REJECTED: "不予通过"}


def apprentice_application_approve(
    *, application: ApprenticeApplication, actor: User, to: str, reason: str = ""
) -> ApprenticeApplication:
    """The host unit's decision (000 §四(二)): approve — the applicant is now a 师承人 and is
    proposed to the best-suited master — or return or reject with a reason."""
    if to not in (Status.APPROVED, Status.RETURNED, Status.REJECTED):
        raise ApplicationError("审核结论只能是通过、退回修改或不予通过", field="to")
    if to in REASON_REQUIRED and not reason.strip():
        raise ApplicationError(f"{REASON_REQUIRED[to]}必须填写原因，申请人将看到这些意见", field="reason")

    def then(row: ApprenticeApplication) -> None:
        if to == Status.REJECTED:
            _close_intents(row)
        outcome = {Status.APPROVED: "已审核通过，您已取得师承人资格", Status.RETURNED: "被主办单位退回修改"}.get(
            to, "未通过主办单位审核"
        )
        notify(recipients=[row.applicant], title=f"您的师承申请{outcome}", body=reason, url=_application_url(row))
        if to == Status.APPROVED:
            from apprenticeships.selectors import match_suggestions

            suggestions = match_suggestions(row, limit=1)
            if suggestions:
                _propose(row, suggestions[0].master, actor)

    try:
        with transaction.atomic():
            result = transition(application, to, actor=actor, reason=reason.strip(), then=then)
    except TransitionNotAllowed as exc:
        raise _decided_elsewhere(application, exc) from exc
    application.refresh_from_db()
    return result


# --- matching (APP-4) ------------------------------------------------------------------------------

LIVE_MATCH = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.SIGNED)


def remaining_capacity(master: Master) -> int:
    """Master.capacity minus active apprenticeships and accepted matches awaiting signature."""
    from apprenticeships.selectors import with_capacity

    return with_capacity(Master.objects.filter(pk=master.pk)).values_list("remaining", flat=True).get()


def _propose(application: ApprenticeApplication, master: Master, actor: User) -> Match:
    if application.matches.filter(status__in=LIVE_MATCH).exists():
        raise ApplicationError("该申请已有待确认或已接受的匹配，须在传承人谢绝后才能推荐其他传承人")
    if master.status != Master.Status.CERTIFIED:
        raise ApplicationError(f"「{master.name}」不是已认证的传承人", field="master")
    if remaining_capacity(master) <= 0:
        raise ApplicationError(f"传承人「{master.name}」的带教名额已满（{master.capacity} 名）", field="master")
    if application.matches.filter(master=master, status=Match.Status.DECLINED).exists():
        raise ApplicationError(f"传承人「{master.name}」已谢绝过该申请，请推荐其他传承人", field="master")
    try:
        with transaction.atomic():
            match = Match.objects.create(application=application, master=master, proposed_by=actor)
    except IntegrityError:
        raise ConflictError("该申请刚刚已被推荐给其他传承人，请刷新页面") from None
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=match,
        to_state=state_label(Match, Match.Status.PROPOSED),
        reason=f"依据申请意向推荐给传承人「{master.name}」",
    )
    notify(
        recipients=[master.user],
        title=f"师承人推荐待您确认：{application.name}",
        body=f"{application.name}（{application.organization.name}，{application.get_title_display()}）希望跟您学习"
        f"{application.specialty}，期限{application.get_term_display()}。请接受或谢绝。",
        url=_match_url(match),
    )
    notify(
        recipients=[application.applicant],
        title=f"已将您推荐给传承人{master.name}",
        body="等待传承人确认。",
        url=_application_url(application),
    )
    return match


@transaction.atomic
def apprentice_match_propose(*, application: ApprenticeApplication, master: Master, actor: User) -> Match:
    """The programme proposes an approved applicant to a master from the suggestions."""
    application = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "apprentice_match.propose", application)
    if application.status != Status.APPROVED:
        raise ApplicationError(f"申请处于「{application.get_status_display()}」状态，只有审核通过的申请才能匹配")
    return _propose(application, Master.objects.select_for_update().get(pk=master.pk), actor)


def apprentice_match_decide(*, match: Match, actor: User, accept: bool, reason: str = "") -> Match:
    """The master accepts or declines (000 §四(三) 经传承人同意后). Acceptance counts against the
    master's capacity at once and produces the contract."""
    if not accept and not reason.strip():
        raise ApplicationError("谢绝时必须填写原因，以便为申请人推荐其他传承人", field="reason")
    with transaction.atomic():
        # The master's row is the lock for capacity: two acceptances at once cannot both take
        # the last place.
        master = Master.objects.select_for_update().get(pk=match.master_id)
        if master.user_id != actor.pk and not actor.is_superuser:
            authorize(actor, "apprentice_match.view", match)
            raise PermissionDenied("只有被推荐的传承人本人可以接受或谢绝")
        if accept and remaining_capacity(master) <= 0:
            raise ConflictError(
                f"您的带教名额已满（可同时带教 {master.capacity} 名，含已接受待签约的），不能再接受新的师承人"
            )
        to = Match.Status.ACCEPTED if accept else Match.Status.DECLINED

        def then(row: Match) -> None:
            row.decided_at = timezone.now()
            row.decision_reason = reason.strip()
            row.save(update_fields=["decided_at", "decision_reason"])
            application = row.application
            if accept:
                # HT (合同): never the CCA-/CCM- shape of certificate numbers, so a contract
                # number typed into /verify/ cannot be mistaken for someone's certificate.
                row.contract_number = f"HT-{row.decided_at:%Y}-{row.pk:06d}"
                row.save(update_fields=["contract_number"])
                _render_contract(row)
                notify(
                    recipients=[application.applicant, master.user],
                    title=f"师承关系合同书待签署：{master.name} — {application.name}",
                    body="传承人已接受。请双方在平台内签署合同，或上传签字扫描件。",
                    url=_match_url(row),
                )
            else:
                notify(
                    recipients=[application.applicant],
                    title=f"传承人{master.name}谢绝了本次推荐",
                    body=f"原因：{reason.strip()}。将为您推荐其他传承人。",
                    url=_application_url(application),
                )
                notify(
                    recipients=_programme_people(Organization.Kind.ORGANIZING, (Membership.Role.REVIEWER,)),
                    title=f"请为师承人重新推荐传承人：{application.name}",
                    body=f"{master.name}谢绝：{reason.strip()}",
                    url=_application_url(application),
                )

        try:
            result = transition(match, to, actor=actor, reason=reason.strip() or "接受", then=then)
        except TransitionNotAllowed as exc:
            match.refresh_from_db(fields=["status"])
            raise ConflictError(f"该推荐已处理，当前状态为「{match.get_status_display()}」") from exc
    match.refresh_from_db()
    return result


# --- the contract ----------------------------------------------------------------------------------


def _render_contract(match: Match) -> None:
    from lib.pdf import render_pdf

    signatures = {s.party: s for s in match.signatures.select_related("signer")}
    application = match.application
    pdf = render_pdf(
        "apprenticeships/contract_pdf.html",
        {
            "match": match,
            "application": application,
            "master": match.master,
            "term_months": TERM_MONTHS[application.term],
            "apprentice_signature": signatures.get(Party.APPRENTICE),
            "master_signature": signatures.get(Party.MASTER),
            "host": application_host(application),
            "organizer": application_organizer(application),
        },
    )
    if match.contract:
        match.contract.delete(save=False)
    match.contract.save(f"{match.contract_number}.pdf", ContentFile(pdf), save=False)
    match.save(update_fields=["contract"])


def _deciding_org(application: ApprenticeApplication, kind: str) -> Organization | None:
    """The unit of the person who decided the application at a stage, read from the audit log."""
    entry = (
        AuditEntry.objects.filter(
            content_type__app_label="apprenticeships",
            content_type__model="apprenticeapplication",
            object_id=str(application.pk),
            action=AuditEntry.Action.TRANSITION,
            outcome=AuditEntry.Outcome.SUCCESS,
            to_state=state_label(ApprenticeApplication, Status.APPROVED if kind == "host" else Status.VETTED),
        )
        .order_by("-created_at")
        .first()
    )
    if entry is None or entry.actor_id is None:
        return None
    return _member_org(entry.actor, kind)


def application_host(application):
    return _deciding_org(application, Organization.Kind.HOST)


def application_organizer(application):
    return application.entered_by_organization or _deciding_org(application, Organization.Kind.ORGANIZING)


def party_of(match: Match, user: User) -> str | None:
    if match.application.applicant_id == user.pk:
        return Party.APPRENTICE
    if match.master.user_id == user.pk:
        return Party.MASTER
    return None


def apprentice_contract_sign(*, match: Match, actor: User, scan=None) -> ContractSignature:
    """One party signs: in the platform (time and IP recorded) or by uploading a signed scan. When
    both have signed, the apprenticeship exists — in the same transaction."""
    from lib.files import check_upload

    mime = None
    if scan is not None:
        try:
            mime = check_upload(scan, allowed=DOCUMENT_TYPES, field_label="签字扫描件", max_bytes=MAX_DOCUMENT_BYTES)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="scan") from exc
    with transaction.atomic():
        # Both parties signing at once: the row lock makes the second see the first signature.
        locked = Match.objects.select_for_update().select_related("application", "master").get(pk=match.pk)
        authorize(actor, "apprentice_contract.sign", locked)
        party = party_of(locked, actor)
        if party is None:
            raise PermissionDenied("只有合同双方可以签署")
        if locked.status != Match.Status.ACCEPTED:
            raise ConflictError(f"合同当前状态为「{locked.get_status_display()}」，不能签署")
        if locked.signatures.filter(party=party).exists():
            raise ConflictError("您已签署过该合同")
        signature = ContractSignature(
            match=locked,
            party=party,
            signer=actor,
            method=ContractSignature.Method.SCAN if scan is not None else ContractSignature.Method.ONLINE,
            ip=current_ip(),
        )
        if scan is not None:
            signature.scan = scan
        signature.save()
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=locked,
            to_state=f"{Party(party).label}签署合同",
            reason=f"{signature.get_method_display()}{'（' + mime + '）' if mime else ''}",
        )
        if locked.signatures.count() == 2:
            _conclude(locked, actor)
        else:
            other = locked.master.user if party == Party.APPRENTICE else locked.application.applicant
            notify(
                recipients=[other],
                title=f"对方已签署师承关系合同书，请您签署（{locked.contract_number}）",
                url=_match_url(locked),
            )
            _render_contract(locked)
    match.refresh_from_db()
    return signature


def _conclude(match: Match, actor: User) -> Apprenticeship:
    application = match.application
    today = timezone.localdate()
    holder: dict[str, Apprenticeship] = {}

    def create(row: Match) -> None:
        apprenticeship = Apprenticeship.objects.create(
            master=row.master,
            apprentice=application.applicant,
            organization=application.organization,
            region=application.region,
            term=application.term,
            starts_on=today,
            ends_on=end_of_term(today, application.term),
        )
        row.apprenticeship = apprenticeship
        row.save(update_fields=["apprenticeship"])
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=apprenticeship,
            to_state=state_label(Apprenticeship, Apprenticeship.Status.ACTIVE),
            reason=f"合同 {row.contract_number} 双方签署",
        )
        holder["apprenticeship"] = apprenticeship

    transition(match, Match.Status.SIGNED, actor=actor, reason="双方已签署师承关系合同书", then=create)
    transition(application, Status.CONTRACTED, actor=actor, reason="师徒关系建立", then=_close_intents)
    match.refresh_from_db()
    _render_contract(match)
    apprenticeship = holder["apprenticeship"]
    notify(
        recipients=[application.applicant, match.master.user, *_programme_people(Organization.Kind.HOST)],
        title=f"师徒关系已建立：{match.master.name} — {application.name}",
        body=f"{apprenticeship.get_term_display()}，{apprenticeship.starts_on:%Y-%m-%d} 至 {apprenticeship.ends_on:%Y-%m-%d}。"
        "请传承人与主办单位共同制定传承计划。",
        url=_match_url(match),
    )
    return apprenticeship


def end_of_term(starts_on: datetime.date, term: str) -> datetime.date:
    """The same day TERM_MONTHS later (the month's last day when that month is shorter)."""
    years, month0 = divmod(starts_on.month - 1 + TERM_MONTHS[term], 12)
    year, month = starts_on.year + years, month0 + 1
    return datetime.date(year, month, min(starts_on.day, calendar.monthrange(year, month)[1]))


def application_viewed(*, viewer: User, application: ApprenticeApplication, what: str = "师承申请") -> None:
    """An application holds personal data (résumé, certificates): every view by anyone but the
    applicant is logged (OPS-1)."""
    if viewer.pk != application.applicant_id:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=viewer, obj=application, reason=what)
