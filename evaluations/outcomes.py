"""Writes and exports of the outcomes of an evaluation: the promotion catalogue of appropriate
techniques with its training classes and specialty clinics (PRO-2), and the pricing factors that
give a price proposal and a medical-insurance recommendation (EVA-4)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.permissions import authorize
from evaluations import rules
from evaluations.models import (
    Evaluation,
    PricingProposal,
    PromotionListing,
    SpecialtyClinic,
    Trainee,
    TrainingClass,
)
from lib.errors import ApplicationError
from techniques.models import TechniqueHolder
from workflow.models import AuditEntry
from workflow.services import audit_record


def _passed(evaluation: Evaluation):
    decision = getattr(evaluation, "decision", None) if evaluation.status == Evaluation.Status.FINALIZED else None
    if decision is None or not decision.passed:
        raise ApplicationError(_("只有终审通过筛选的技术才能列入推广名录或提出价格建议"))
    return decision


@transaction.atomic
def promotion_list(*, actor: User, evaluation: Evaluation, scope_note: str) -> PromotionListing:
    authorize(actor, "promotion.manage", evaluation)
    decision = _passed(evaluation)
    if PromotionListing.objects.filter(technique_id=evaluation.technique_id).exists():
        raise ApplicationError(_("「%(name)s」已在推广名录中") % {"name": evaluation.technique.name})
    if not scope_note.strip():
        raise ApplicationError(_("请填写推广范围与适用机构（如基层医疗卫生机构）"), field="scope_note")
    listing = PromotionListing.objects.create(
        technique=evaluation.technique,
        evaluation=evaluation,
        grade=decision.grade,
        scope_note=scope_note.strip()[:300],
        listed_by=actor,
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=evaluation, to_state="列入推广名录", reason=listing.scope_note
    )
    return listing


@transaction.atomic
def training_class_add(
    *,
    actor: User,
    listing: PromotionListing,
    holder: TechniqueHolder,
    title: str,
    starts_on: date,
    ends_on: date,
    place: str,
) -> TrainingClass:
    authorize(actor, "promotion.manage", listing.evaluation)
    if holder.technique_id != listing.technique_id:
        raise ApplicationError(_("授课人必须是该技术的持有人"), field="holder")
    if not title.strip() or not place.strip():
        raise ApplicationError(_("请填写培训班名称和地点"), field="title")
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ApplicationError(_("结业日期不能早于开班日期"), field="ends_on")
    training = TrainingClass.objects.create(
        listing=listing,
        holder=holder,
        title=title.strip()[:100],
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip()[:100],
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=listing.evaluation, to_state="培训班", reason=training.title
    )
    return training


@transaction.atomic
def trainee_add(*, actor: User, training_class: TrainingClass, name: str, organization: str) -> Trainee:
    authorize(actor, "promotion.manage", training_class.listing.evaluation)
    if not name.strip() or not organization.strip():
        raise ApplicationError(_("请填写学员姓名和所在单位"), field="name")
    return Trainee.objects.create(
        training_class=training_class, name=name.strip()[:64], organization=organization.strip()[:128]
    )


@transaction.atomic
def trainee_complete(*, actor: User, trainee: Trainee) -> Trainee:
    training = trainee.training_class
    authorize(actor, "promotion.manage", training.listing.evaluation)
    if training.ends_on > timezone.localdate():
        raise ApplicationError(_("培训班 %(date)s 结业，之前不能登记结业") % {"date": f"{training.ends_on:%Y-%m-%d}"})
    if trainee.completed:
        raise ApplicationError(_("「%(name)s」已登记结业") % {"name": trainee.name})
    trainee.completed = True
    trainee.save(update_fields=["completed"])
    audit_record(
        action=AuditEntry.Action.TRANSITION,
        actor=actor,
        obj=training.listing.evaluation,
        from_state="在训",
        to_state="结业",
        reason=f"{training.title}：{trainee.name}",
    )
    return trainee


@transaction.atomic
def clinic_add(
    *, actor: User, listing: PromotionListing, name: str, organization: Organization, opened_on: date
) -> SpecialtyClinic:
    authorize(actor, "promotion.manage", listing.evaluation)
    if not name.strip():
        raise ApplicationError(_("请填写诊室名称"), field="name")
    if organization.kind != Organization.Kind.MEDICAL:
        raise ApplicationError(
            _("「%(name)s」不是医疗机构，不能开设特色诊室") % {"name": organization.name}, field="organization"
        )
    if opened_on is None:
        raise ApplicationError(_("请填写开设日期"), field="opened_on")
    clinic = SpecialtyClinic.objects.create(
        listing=listing, name=name.strip()[:100], organization=organization, opened_on=opened_on
    )
    audit_record(
        action=AuditEntry.Action.CREATE, actor=actor, obj=listing.evaluation, to_state="特色诊室", reason=clinic.name
    )
    return clinic


def _factor_value(value, label: str, key: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApplicationError(_("「%(label)s」必须是 0 到 100 的整数") % {"label": label}, field=key) from None
    if not 0 <= number <= 100:
        raise ApplicationError(_("「%(label)s」必须是 0 到 100 的整数") % {"label": label}, field=key)
    return number


@transaction.atomic
def pricing_record(
    *,
    actor: User,
    evaluation: Evaluation,
    clinical_value,
    patient_recognition,
    labour_value,
    reference_price,
    day_treatment: bool = False,
    outpatient: bool = False,
    per_disease: bool = False,
    rationale: str = "",
) -> PricingProposal:
    """EVA-4: the factors give the proposal (evaluations/rules.py); recording again replaces it."""
    authorize(actor, "pricing.manage", evaluation)
    _passed(evaluation)
    factors = {
        "clinical_value": _factor_value(clinical_value, "临床价值", "clinical_value"),
        "patient_recognition": _factor_value(patient_recognition, "患者认可度", "patient_recognition"),
        "labour_value": _factor_value(labour_value, "技术劳务价值", "labour_value"),
    }
    try:
        price = Decimal(str(reference_price)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        raise ApplicationError(_("参照项目价格必须是金额（元）"), field="reference_price") from None
    if not Decimal("0") < price < Decimal("100000"):
        raise ApplicationError(_("参照项目价格须大于 0 元、小于 10 万元"), field="reference_price")
    if not (day_treatment or outpatient or per_disease) and not rationale.strip():
        raise ApplicationError(_("不建议纳入任何医保支付方式时，请说明理由"), field="rationale")
    factor = rules.pricing_factor(**factors)
    proposal, _created = PricingProposal.objects.update_or_create(
        evaluation=evaluation,
        defaults=dict(
            **factors,
            reference_price=price,
            factor=factor,
            proposed_price=rules.proposed_price(price, factor),
            day_treatment=day_treatment,
            outpatient=outpatient,
            per_disease=per_disease,
            rationale=rationale.strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
        ),
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=actor,
        obj=evaluation,
        to_state=f"建议价格 {proposal.proposed_price} 元",
        reason="、".join(proposal.insurance_labels) or proposal.rationale[:100],
    )
    return proposal


PRICING_HEADERS = [
    "技术编号",
    "技术名称",
    "所在地区",
    "技术类别",
    "评估等级",
    "临床价值",
    "患者认可度",
    "技术劳务价值",
    "参照项目价格（元/次）",
    "调整系数",
    "建议价格（元/次）",
    "日间治疗",
    "门诊",
    "按病种付费",
    "理由",
]


def pricing_workbook(*, actor: User, proposals: QuerySet) -> bytes:
    """The proposals for the medical-insurance bureau, one row each (audited as an export)."""
    from openpyxl.styles import Font

    from lib.xlsx import SafeWorkbook

    authorize(actor, "pricing.manage")
    wb = SafeWorkbook()
    ws = wb.active
    ws.title = "价格与医保建议"
    ws.append(PRICING_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    count = 0
    rows = proposals.select_related(
        "evaluation__technique__region", "evaluation__technique__category", "evaluation__decision"
    ).order_by("evaluation__technique__code", "pk")
    for p in rows.iterator(chunk_size=2000):
        t = p.evaluation.technique
        ws.append(
            [
                t.code or "",
                t.name,
                t.region.name,
                t.category.name if t.category_id else "",
                p.evaluation.decision.grade,
                p.clinical_value,
                p.patient_recognition,
                p.labour_value,
                float(p.reference_price),
                float(p.factor),
                float(p.proposed_price),
                "是" if p.day_treatment else "否",
                "是" if p.outpatient else "否",
                "是" if p.per_disease else "否",
                p.rationale,
            ]
        )
        count += 1
    for column, width in zip("ABCDEFGHIJKLMNO", (16, 28, 12, 14, 8, 8, 10, 12, 18, 8, 16, 8, 6, 10, 40), strict=True):
        ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    audit_record(
        action=AuditEntry.Action.EXPORT, actor=actor, to_state=f"{count} 条", reason="价格与医保建议（报医疗保障局）"
    )
    return buffer.getvalue()
