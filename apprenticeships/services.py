"""Writes for the apprentice application (APP-1), its two-stage review (APP-3), matching and the
contract (APP-4), ending in the `Apprenticeship` itself — and that apprenticeship's early end.

Every state change is a step inside the service's workflow.atomic() block: lock, transition, then
the work that stands or falls with it. Who hears of each change is the models' NOTIFY maps; the
few notify() calls left here announce things that are not state changes (each says which).
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Membership, Organization, User
from accounts.permissions import authorize, people_who_can
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
from apprenticeships.permissions import (
    EDITABLE,
    check_applicant,
    contract_party,
    may_change_intention,
    may_decide_exemption,
    may_propose_match,
)
from apprenticeships.rules import check_application, facts_for, required_documents
from lib import files
from lib.errors import ApplicationError, ConflictError
from masters.models import Master
from notifications.services import notify
from workflow import services as workflow
from workflow.context import current_ip
from workflow.models import AuditEntry
from workflow.services import audit_record, state_label

Status = ApprenticeApplication.Status
Verdict = ApplicationDocument.Verdict
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


def _programme_people(kind: str, roles=(Membership.Role.REVIEWER, Membership.Role.UNIT_ADMIN)) -> list[User]:
    """Kept for the batch import's summary notice (apprenticeships/importing.py), which is being
    rebuilt; state changes name their audience in NOTIFY maps (people_who_can)."""
    return list(
        User.objects.filter(
            is_active=True, memberships__organization__kind=kind, memberships__role__in=roles
        ).distinct()[:50]
    )


# --- the application -------------------------------------------------------------------------------


def _certified_masters(masters) -> list[Master]:
    masters = list(masters or [])
    if not masters:
        raise ApplicationError(_("请至少选择一位意向传承人"), field="masters")
    if len(masters) > MAX_INTENDED:
        raise ApplicationError(_("意向传承人最多选择 %(n)s 位") % {"n": MAX_INTENDED}, field="masters")
    if len({m.pk for m in masters}) != len(masters):
        raise ApplicationError(_("同一位传承人不能重复选择"), field="masters")
    for master in masters:
        if master.status != Master.Status.CERTIFIED:
            raise ApplicationError(
                _("「%(name)s」不是已认证的传承人，不能作为意向传承人") % {"name": master.name}, field="masters"
            )
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
            _("您向「%(names)s」的师承申请尚在办理中，不能重复申请；请在原申请中查看进度") % {"names": names},
            field="masters",
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
        raise ApplicationError(_("您向所选传承人的师承申请尚在办理中，不能重复申请"), field="masters") from None


def _clean(application: ApprenticeApplication) -> None:
    if not application.is_folk_practitioner:
        application.recommending_organization = None
        application.credential = ""
        application.credential_issuer_level = ""
    if not application.exemption_requested:
        application.exemption_claim = ""
    elif not application.exemption_claim.strip():
        raise ApplicationError(_("申请特殊专长豁免时，须说明在行业中的特殊专长或贡献"), field="exemption_claim")
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
        raise ApplicationError(_("请先登录"))
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
    if application.exemption_requested:
        _announce_exemption_request(application)
    return application


def _announce_exemption_request(application: ApprenticeApplication) -> None:
    # Not a state change (a draft asking, before submission, to be exempted from the title
    # limits): no NOTIFY map announces it, yet the reviewer must decide it before the applicant
    # can submit. The workbench lists it until decided (apprenticeships.todos.exemptions_to_decide).
    notify(
        recipients=people_who_can("apprentice_application.exempt", application),
        title=_("师承申请人申请特殊专长豁免：%(name)s") % {"name": application.name},
        body=application.exemption_claim,
        url=application.get_absolute_url() + "#exemption",
    )


def _lock_editable(application: ApprenticeApplication, actor: User, refusal: str) -> ApprenticeApplication:
    """The application locked for a change of its form or documents (not a move): the applicant's,
    in a state it can be submitted from (apprenticeships.permissions.may_edit_application)."""
    locked = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    check_applicant(actor, locked)
    if locked.status not in EDITABLE:
        raise ApplicationError(refusal % {"state": locked.get_status_display()})
    return locked


@transaction.atomic
def apprentice_application_update(
    *, application: ApprenticeApplication, actor: User, masters=None, **fields
) -> ApprenticeApplication:
    application = _lock_editable(application, actor, _("申请处于「%(state)s」状态，不能修改"))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    User.objects.select_for_update().get(pk=application.applicant_id)
    asked_before = (application.exemption_requested, application.exemption_claim)
    for key, value in fields.items():
        setattr(application, key, value)
    _clean(application)
    application.save()
    if masters is not None:
        _set_intents(application, _certified_masters(masters))
    if application.exemption_requested and asked_before != (True, application.exemption_claim):
        _announce_exemption_request(application)
    return application


@transaction.atomic
def apprentice_document_add(
    *, application: ApprenticeApplication, actor: User, kind: str, upload
) -> ApplicationDocument:
    """Attach a document, typed by its content and stored under a name of the server's; a new file
    of a kind replaces the earlier one."""
    from lib.files import accept_upload

    application = _lock_editable(application, actor, _("申请处于「%(state)s」状态，不能更换材料"))
    if kind not in Document.values:
        raise ApplicationError(_("请选择材料类别"), field="kind")
    label = Document(kind).label
    # The name the applicant knows the file by, for the reviewers' list: taken before
    # accept_upload() renames the upload to what it is.
    original_name = getattr(upload, "name", "") or ""
    try:
        mime = accept_upload(upload, allowed=DOCUMENT_TYPES, field_label=label, max_bytes=MAX_DOCUMENT_BYTES)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="file") from exc
    return _store_document(application, actor, kind, upload, mime, original_name)


def _store_document(application, actor, kind, upload, mime, original_name: str) -> ApplicationDocument:
    application.documents.filter(kind=kind, superseded=False).update(superseded=True)
    document = ApplicationDocument.objects.create(
        application=application,
        kind=kind,
        file=upload,
        original_name=original_name[-200:],
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
            problems.append(_("缺少材料「%(kind)s」（000 §四(一) 须提交的相关材料）") % {"kind": Document(kind).label})
    for document in documents:
        if document.verdict in (Verdict.RETURNED, Verdict.REJECTED):
            problems.append(_("材料「%(kind)s」已被退回，请上传修改后的文件") % {"kind": document.get_kind_display()})
    masters = [i.master for i in application.intents.select_related("master")]
    if not masters:
        problems.append(_("请至少选择一位意向传承人"))
    problems += [_ineligible(master, decision) for master, decision in check_application(application, masters)]
    return [p for p in problems if p]


def _ineligible(master: Master, decision) -> str:
    """The refusal naming the rule and its clause, or "" when the applicant qualifies."""
    if decision.passed:
        return ""
    return _("向%(tier)s「%(name)s」申请不符合 %(rule)s「%(clause)s」（%(detail)s）") % {
        "tier": master.get_tier_display(),
        "name": master.name,
        "rule": decision.rule_id,
        "clause": decision.clause_text,
        "detail": decision.detail,
    }


def require_eligible(application: ApprenticeApplication, master: Master) -> None:
    """000 §五(二): the applicant must qualify for the tier of the master they are linked to — at
    every step that links them (a proposal, the master's acceptance, the signature that makes the
    apprenticeship), whoever takes it and whatever page or API call it came from."""
    [(_master, decision)] = check_application(application, [master])
    refusal = _ineligible(master, decision)
    if refusal:
        raise ApplicationError(refusal, field="master")


@workflow.atomic()
def apprentice_application_submit(
    *, application: ApprenticeApplication, actor: User, expect: str | None = None
) -> ApprenticeApplication:
    """Submit (or resubmit after a return) for the organizing unit's vetting; each submission opens
    a new review round."""
    locked = workflow.lock(application)
    resubmit = locked.status == Status.RETURNED
    workflow.transition(
        locked, Status.SUBMITTED, actor=actor, reason="重新提交师承申请" if resubmit else "提交师承申请", expect=expect
    )
    problems = submission_problems(locked)
    if problems:
        more = _("如有特殊专长或贡献，可申请豁免职称限制。") if not locked.exemption_requested else ""
        raise ApplicationError(_("不能提交：") + "；".join(problems) + "。" + more)
    locked.round += 1
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["round", "submitted_at"])
    # Documents not yet decided in an earlier round are this round's to decide.
    locked.documents.filter(superseded=False).exclude(verdict=Verdict.ACCEPTED).update(verdict=Verdict.PENDING)
    application.refresh_from_db()
    return locked


def _close_intents(application: ApprenticeApplication) -> None:
    application.intents.update(is_open=False)


@workflow.atomic()
def apprentice_application_withdraw(
    *, application: ApprenticeApplication, actor: User, reason: str = "", expect: str | None = None
) -> ApprenticeApplication:
    locked = workflow.lock(application)
    workflow.transition(locked, Status.WITHDRAWN, actor=actor, reason=reason.strip() or "申请人撤回", expect=expect)
    _close_intents(locked)
    return locked


@transaction.atomic
def apprentice_exemption_decide(
    *, application: ApprenticeApplication, actor: User, granted: bool, reason: str
) -> ApplicationExemption:
    """The organizing unit's reviewer decides a special-expertise exemption (000 §五(二)). A
    decision recorded beside the application, not a move of it."""
    application = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "apprentice_application.exempt", application)
    if not reason.strip():
        raise ApplicationError(_("豁免决定必须填写理由"), field="reason")
    if not may_decide_exemption(actor, application):
        raise ApplicationError(
            _("申请处于「%(state)s」状态，不能再决定豁免") % {"state": application.get_status_display()}
        )
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
    # Not a state change (the application stays where it is): no NOTIFY map announces it.
    notify(
        recipients=[application.applicant],
        title=_("特殊专长豁免决定：%(decision)s") % {"decision": _("同意") if granted else _("不同意")},
        body=reason.strip(),
        url=application.get_absolute_url(),
    )
    return exemption


# --- the two-stage review (APP-3) ------------------------------------------------------------------


def _member_org(actor: User, kind: str) -> Organization | None:
    membership = Membership.objects.filter(user=actor, organization__kind=kind).select_related("organization").first()
    return membership.organization if membership else None


@workflow.atomic()
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
            _("请对每一项材料给出审核结论：") + "、".join(d.get_kind_display() for d in missing), field="verdicts"
        )
    for pk, (verdict, reason) in verdicts.items():
        if pk not in documents:
            raise ApplicationError(_("材料已被替换或不属于该申请，请刷新页面"), field="verdicts")
        kind = documents[pk].get_kind_display()
        if verdict not in (Verdict.ACCEPTED, Verdict.RETURNED, Verdict.REJECTED):
            raise ApplicationError(_("材料「%(kind)s」的审核结论无效") % {"kind": kind}, field="verdicts")
        if verdict != Verdict.ACCEPTED and not (reason or "").strip():
            raise ApplicationError(
                _("材料「%(kind)s」退回或不予认可时必须填写原因，申请人将看到这些意见") % {"kind": kind},
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
    locked = workflow.lock(application)
    # Vetting starts only from 待初审: a second reviewer arriving after the first decided (passed,
    # returned or rejected) is told it was already decided, not offered the host unit's moves out
    # of 初审通过 or refused for want of their act.
    workflow.transition(locked, to, actor=actor, reason=reason, expect=Status.SUBMITTED)
    for pk, (verdict, why) in verdicts.items():
        DocumentReview.objects.create(
            document_id=pk, round=locked.round, verdict=verdict, reason=(why or "").strip(), reviewer=actor
        )
        ApplicationDocument.objects.filter(pk=pk).update(verdict=verdict)
    if to == Status.REJECTED:
        _close_intents(locked)
    return locked


HOST_DECISIONS = (Status.APPROVED, Status.RETURNED, Status.REJECTED)
REASON_REQUIRED = {Status.RETURNED: _lazy("退回"), Status.REJECTED: _lazy("不予通过")}


@workflow.atomic()
def apprentice_application_approve(
    *, application: ApprenticeApplication, actor: User, to: str, reason: str = ""
) -> ApprenticeApplication:
    """The host unit's decision (000 §四(二)): approve — the applicant is now a 师承人 and is
    proposed to the best-suited master — or return or reject with a reason."""
    if to not in HOST_DECISIONS:
        raise ApplicationError(_("审核结论只能是通过、退回修改或不予通过"), field="to")
    if to in REASON_REQUIRED and not reason.strip():
        raise ApplicationError(
            _("%(decision)s必须填写原因，申请人将看到这些意见") % {"decision": REASON_REQUIRED[to]}, field="reason"
        )
    locked = workflow.lock(application)
    # The host unit decides only from 初审通过 (as vetting only from 待初审): a decision on an
    # application that has moved on is AlreadyDecided, never another move of the table (returning
    # an application still being vetted is the organizing unit's, document by document).
    workflow.transition(locked, to, actor=actor, reason=reason.strip(), expect=Status.VETTED)
    if to == Status.REJECTED:
        _close_intents(locked)
    if to == Status.APPROVED:
        from apprenticeships.selectors import match_suggestions

        suggestions = match_suggestions(locked, limit=1)
        if suggestions:
            _propose(locked, suggestions[0].master, actor)
    return locked


def apprentice_application_move(
    application: ApprenticeApplication, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> ApprenticeApplication:
    """MOVE_SERVICE of ApprenticeApplication: the workflow buttons' way in."""
    if to == Status.SUBMITTED:
        return apprentice_application_submit(application=application, actor=actor, expect=expect)
    if to == Status.WITHDRAWN:
        return apprentice_application_withdraw(application=application, actor=actor, reason=reason, expect=expect)
    if (expect or application.status) == Status.VETTED and to in HOST_DECISIONS:
        return apprentice_application_approve(application=application, actor=actor, to=to, reason=reason)
    # Vetting (a verdict per document) and the contract (signed by both parties) have their pages.
    authorize(actor, "apprentice_application.view", application)
    raise ApplicationError(_("此事项须在办理页面完成，请刷新页面后办理"), field="to")


def application_batch_decide(
    *, application_ids: list[int], actor: User, to: str, reason: str = ""
) -> tuple[int, list[str]]:
    """A reviewer's batch from the queue: each application through the same service as a single
    decision, in its own transaction, so each is checked, audited and notified — and one row's
    refusal does not undo the others. Returns how many were done and why the others were not."""
    done, failed = 0, []
    for application in ApprenticeApplication.objects.filter(pk__in=application_ids[:100]).order_by("pk"):
        try:
            if to == Status.VETTED:
                verdicts = {d.pk: (Verdict.ACCEPTED, "") for d in current_documents(application)}
                apprentice_application_vet(application=application, actor=actor, verdicts=verdicts, comment=reason)
            else:
                apprentice_application_approve(application=application, actor=actor, to=to, reason=reason)
        except (ApplicationError, PermissionDenied, Http404) as exc:
            failed.append(f"{application.name}：{getattr(exc, 'message', None) or _('不在权限范围内')}")
        else:
            done += 1
    return done, failed


# --- matching (APP-4) ------------------------------------------------------------------------------

LIVE_MATCH = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.SIGNED)


def remaining_capacity(master: Master) -> int:
    """Master.capacity minus active apprenticeships and accepted matches awaiting signature."""
    from apprenticeships.selectors import with_capacity

    return with_capacity(Master.objects.filter(pk=master.pk)).values_list("remaining", flat=True).get()


def _propose(application: ApprenticeApplication, master: Master, actor: User) -> Match:
    if application.matches.filter(status__in=LIVE_MATCH).exists():
        raise ApplicationError(_("该申请已有待确认或已接受的匹配，须在传承人谢绝后才能推荐其他传承人"))
    if master.status != Master.Status.CERTIFIED:
        raise ApplicationError(_("「%(name)s」不是已认证的传承人") % {"name": master.name}, field="master")
    require_eligible(application, master)
    if remaining_capacity(master) <= 0:
        raise ApplicationError(
            _("传承人「%(name)s」的带教名额已满（%(capacity)s 名）")
            % {"name": master.name, "capacity": master.capacity},
            field="master",
        )
    if application.matches.filter(master=master, status=Match.Status.DECLINED).exists():
        raise ApplicationError(
            _("传承人「%(name)s」已谢绝过该申请，请推荐其他传承人") % {"name": master.name}, field="master"
        )
    try:
        with transaction.atomic():
            match = Match.objects.create(application=application, master=master, proposed_by=actor)
    except IntegrityError:
        raise ConflictError(_("该申请刚刚已被推荐给其他传承人，请刷新页面")) from None
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=match,
        to_state=state_label(Match, Match.Status.PROPOSED),
        reason=f"依据申请意向推荐给传承人「{master.name}」",
    )
    # A match is created proposed, not moved there: no transition announces it.
    notify(
        recipients=[master.user],
        title=_("师承人推荐待您确认：%(name)s") % {"name": application.name},
        body=_("%(name)s（%(organization)s，%(title)s）希望跟您学习%(specialty)s，期限%(term)s。请接受或谢绝。")
        % {
            "name": application.name,
            "organization": application.organization.name,
            "title": application.get_title_display(),
            "specialty": application.specialty,
            "term": application.get_term_display(),
        },
        url=match.get_absolute_url(),
    )
    notify(
        recipients=[application.applicant],
        title=_("已将您推荐给传承人%(name)s") % {"name": master.name},
        body=_("等待传承人确认。"),
        url=application.get_absolute_url(),
    )
    return match


@transaction.atomic
def apprentice_match_propose(*, application: ApprenticeApplication, master: Master, actor: User) -> Match:
    """The programme proposes an approved applicant to a master from the suggestions. Creates a
    match; the application itself stays approved until the contract is signed."""
    application = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    authorize(actor, "apprentice_match.propose", application)
    if not may_propose_match(actor, application):
        raise ApplicationError(
            _("申请处于「%(state)s」状态，只有审核通过的申请才能匹配") % {"state": application.get_status_display()}
        )
    return _propose(application, Master.objects.select_for_update().get(pk=master.pk), actor)


@workflow.atomic()
def apprentice_match_decide(
    *, match: Match, actor: User, accept: bool, reason: str = "", expect: str | None = None
) -> Match:
    """The master accepts or declines (000 §四(三) 经传承人同意后). Acceptance counts against the
    master's capacity at once and produces the contract."""
    if not accept and not reason.strip():
        raise ApplicationError(_("谢绝时必须填写原因，以便为申请人推荐其他传承人"), field="reason")
    # The master's row is the lock for capacity: two acceptances at once cannot both take the
    # last place. Taken before the match's, in the same order as every other path.
    master = Master.objects.select_for_update().get(pk=match.master_id)
    locked = workflow.lock(match)
    to = Match.Status.ACCEPTED if accept else Match.Status.DECLINED
    # Only the proposed master has the act on a proposal (Match.owner_q).
    workflow.transition(locked, to, actor=actor, reason=reason.strip() or "接受", expect=expect)
    if accept:
        require_eligible(locked.application, master)
    # The accepted match itself now counts against the capacity.
    if accept and remaining_capacity(master) < 0:
        raise ConflictError(
            _("您的带教名额已满（可同时带教 %(capacity)s 名，含已接受待签约的），不能再接受新的师承人")
            % {"capacity": master.capacity}
        )
    locked.decided_at = timezone.now()
    locked.decision_reason = reason.strip()
    update = ["decided_at", "decision_reason"]
    if accept:
        # HT (合同): never the CCA-/CCM- shape of certificate numbers, so a contract number typed
        # into /verify/ cannot be mistaken for someone's certificate.
        locked.contract_number = f"HT-{locked.decided_at:%Y}-{locked.pk:06d}"
        update.append("contract_number")
    locked.save(update_fields=update)
    if accept:
        _render_contract(locked)
    match.refresh_from_db()
    return locked


@workflow.atomic()
def apprentice_match_cancel(*, match: Match, actor: User, reason: str, expect: str | None = None) -> Match:
    """The programme withdraws a proposal (or an accepted match before both have signed): the
    application stays approved and may be proposed to another master; the place is freed."""
    if not reason.strip():
        raise ApplicationError(_("取消推荐必须填写原因，双方将看到这一原因"), field="reason")
    locked = workflow.lock(match)
    workflow.transition(locked, Match.Status.CANCELLED, actor=actor, reason=reason.strip(), expect=expect)
    return locked


@transaction.atomic
def apprentice_intention_change(*, application: ApprenticeApplication, actor: User, masters) -> ApprenticeApplication:
    """After a master declined (or a proposal was cancelled) the approved applicant may name other
    masters instead of waiting: each certified, of a tier they qualify for, and not one who has
    declined them. The application stays approved — its review stands — and waits for the
    programme's proposal (apprenticeships.todos.applications_to_match)."""
    locked = ApprenticeApplication.objects.select_for_update().get(pk=application.pk)
    check_applicant(actor, locked)
    if not may_change_intention(actor, locked):
        raise ApplicationError(
            _("申请处于「%(state)s」状态或已有待确认的匹配，不能更改意向传承人")
            % {"state": locked.get_status_display()},
            field="masters",
        )
    User.objects.select_for_update().get(pk=locked.applicant_id)
    masters = _certified_masters(masters)
    declined = set(locked.matches.filter(status=Match.Status.DECLINED).values_list("master_id", flat=True))
    for master in masters:
        if master.pk in declined:
            raise ApplicationError(
                _("传承人「%(name)s」已谢绝过该申请，请选择其他传承人") % {"name": master.name}, field="masters"
            )
        require_eligible(locked, master)
    _set_intents(locked, masters)
    names = "、".join(m.name for m in masters)
    audit_record(action=AuditEntry.Action.TRANSITION, actor=actor, obj=locked, to_state="更改意向传承人", reason=names)
    # Not a state change (the application stays approved): no NOTIFY map announces it, and the
    # people who propose must know the applicant's new choice.
    notify(
        recipients=people_who_can("apprentice_match.propose", locked),
        title=_("师承人更改了意向传承人：%(name)s") % {"name": locked.name},
        body=_("新的意向传承人：%(names)s。请推荐传承人。") % {"names": names},
        url=locked.get_absolute_url(),
    )
    return locked


def apprentice_match_move(match: Match, *, to: str, actor: User, reason: str = "", expect: str | None = None) -> Match:
    """MOVE_SERVICE of Match: the workflow buttons' way in."""
    if to in (Match.Status.ACCEPTED, Match.Status.DECLINED):
        return apprentice_match_decide(
            match=match, actor=actor, accept=to == Match.Status.ACCEPTED, reason=reason, expect=expect
        )
    if to == Match.Status.CANCELLED:
        return apprentice_match_cancel(match=match, actor=actor, reason=reason, expect=expect)
    # A signature is an agreement ticked or a signed scan: the sign form on the match's page.
    authorize(actor, "apprentice_match.view", match)
    raise ApplicationError(_("请在师徒匹配页面签署合同"), field="to")


# --- the contract ----------------------------------------------------------------------------------


def _render_contract(match: Match, stored: list[str] | None = None) -> None:
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
        # The row keeps naming the old PDF until the step commits.
        files.delete_after_commit(match.contract.name)
    match.contract.save(f"{match.contract_number}.pdf", ContentFile(pdf), save=False)
    if stored is not None:
        stored.append(match.contract.name)
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
    return contract_party(match, user)


def apprentice_contract_sign(*, match: Match, actor: User, scan=None) -> ContractSignature:
    """One party signs: in the platform (time and IP recorded) or by uploading a signed scan. The
    second signature moves the match to signed and the application to contracted and creates the
    apprenticeship — one transaction, so all of it or none."""
    from lib.files import accept_upload

    mime = None
    if scan is not None:
        try:
            mime = accept_upload(
                scan, allowed=DOCUMENT_TYPES, field_label=_("签字扫描件"), max_bytes=MAX_DOCUMENT_BYTES
            )
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], field="scan") from exc
    with files.stored_files_undone_on_failure() as stored, workflow.atomic():
        # Both parties signing at once: the row lock makes the second see the first signature.
        locked = workflow.lock(match)
        party = contract_party(locked, actor)
        signed = set(locked.signatures.values_list("party", flat=True))
        concludes = party is not None and party not in signed and len(signed) == 1
        if not concludes:
            # One signature is not a move: checked here; the second one is checked by the table.
            authorize(actor, "apprentice_contract.sign", locked)
            if party is None:
                raise PermissionDenied(_("只有合同双方可以签署"))
            if locked.status != Match.Status.ACCEPTED:
                raise ConflictError(_("合同当前状态为「%(state)s」，不能签署") % {"state": locked.get_status_display()})
            if party in signed:
                raise ConflictError(_("您已签署过该合同"))
        signature = ContractSignature(
            match=locked,
            party=party,
            signer=actor,
            method=ContractSignature.Method.SCAN if scan is not None else ContractSignature.Method.ONLINE,
            ip=current_ip(),
        )
        if scan is not None:
            signature.scan = scan
            signature.scan_type = mime
        signature.save()
        if signature.scan:
            stored.append(signature.scan.name)
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=actor,
            obj=locked,
            to_state=f"{Party(party).label}签署合同",
            reason=f"{signature.get_method_display()}{'（' + mime + '）' if mime else ''}",
        )
        if concludes:
            _conclude(locked, actor)
        else:
            other = locked.master.user if party == Party.APPRENTICE else locked.application.applicant
            # One party's signature is not a state change: no NOTIFY map announces it.
            notify(
                recipients=[other],
                title=_("对方已签署师承关系合同书，请您签署（%(number)s）") % {"number": locked.contract_number},
                url=locked.get_absolute_url(),
            )
        _render_contract(locked, stored)
    match.refresh_from_db()
    return signature


def _conclude(match: Match, actor: User) -> Apprenticeship:
    """The second signature, on the locked match: both moves, then the apprenticeship."""
    application = workflow.lock(match.application)
    require_eligible(application, match.master)
    today = timezone.localdate()
    ends_on = end_of_term(today, application.term)
    # The notice of the arrival (Match.NOTIFY[SIGNED]) reads this reason: the term and its dates.
    reason = (
        f"合同 {match.contract_number} 双方已签署：{application.get_term_display()}，"
        f"{today:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}"
    )
    workflow.transition(match, Match.Status.SIGNED, actor=actor, reason=reason)
    workflow.transition(application, Status.CONTRACTED, actor=actor, reason="师徒关系建立")
    _close_intents(application)
    apprenticeship = Apprenticeship.objects.create(
        master=match.master,
        apprentice=application.applicant,
        organization=application.organization,
        region=application.region,
        term=application.term,
        starts_on=today,
        ends_on=ends_on,
    )
    match.apprenticeship = apprenticeship
    match.save(update_fields=["apprenticeship"])
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=apprenticeship,
        to_state=state_label(Apprenticeship, Apprenticeship.Status.ACTIVE),
        reason=f"合同 {match.contract_number} 双方签署",
    )
    return apprenticeship


def end_of_term(starts_on: datetime.date, term: str) -> datetime.date:
    """The same day TERM_MONTHS later (the month's last day when that month is shorter)."""
    years, month0 = divmod(starts_on.month - 1 + TERM_MONTHS[term], 12)
    year, month = starts_on.year + years, month0 + 1
    return datetime.date(year, month, min(starts_on.day, calendar.monthrange(year, month)[1]))


# --- the apprenticeship ------------------------------------------------------------------------------


@workflow.atomic()
def apprenticeship_terminate(
    *, apprenticeship: Apprenticeship, actor: User, reason: str, expect: str | None = None
) -> Apprenticeship:
    """The host unit ends an apprenticeship early (000 §六), with a reason both parties are told.
    Its plan, the hours recorded so far and the graduation materials stay as they are — the record
    of what was taught; a terminated apprenticeship can never graduate (the table moves to
    GRADUATED only from ACTIVE), so no certificate can follow."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("终止师承关系必须填写原因，师承人和传承人将看到这一原因"), field="reason")
    locked = workflow.lock(apprenticeship)
    workflow.transition(locked, Apprenticeship.Status.TERMINATED, actor=actor, reason=reason, expect=expect)
    return locked


def apprenticeship_move(
    apprenticeship: Apprenticeship, *, to: str, actor: User, reason: str = "", expect: str | None = None
) -> Apprenticeship:
    """MOVE_SERVICE of Apprenticeship: the workflow buttons' way in."""
    if to == Apprenticeship.Status.TERMINATED:
        return apprenticeship_terminate(apprenticeship=apprenticeship, actor=actor, reason=reason, expect=expect)
    # Graduation issues the certificate, on the graduation page (teaching.services).
    authorize(actor, "apprenticeship.view", apprenticeship)
    raise ApplicationError(_("结业须在结业考核页面颁发师承证书"), field="to")


def application_viewed(*, viewer: User, application: ApprenticeApplication, what: str = "师承申请") -> None:
    """An application holds personal data (résumé, certificates): every view by anyone but the
    applicant is logged (OPS-1)."""
    if viewer.pk != application.applicant_id:
        audit_record(action=AuditEntry.Action.VIEW_PERSONAL, actor=viewer, obj=application, reason=what)
