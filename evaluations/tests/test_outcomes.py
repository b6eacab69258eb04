"""Outcomes: the promotion catalogue with training classes and clinics (PRO-2); pricing factors,
the price proposal and the insurance recommendation, exported for the bureau (EVA-4)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import outcomes, rules
from evaluations.models import PricingProposal, PromotionListing
from evaluations.tests.factories import concluded_evaluation, finalized_evaluation
from lib.errors import ApplicationError
from workflow.models import AuditEntry


def test_the_price_factor_follows_the_weights(world):
    # 0.4×80 + 0.3×90 + 0.3×70 = 32 + 27 + 21 = 80 → 1 + 20 % = 1.2
    assert rules.pricing_factor(clinical_value=80, patient_recognition=90, labour_value=70) == Decimal("1.200")
    assert rules.pricing_factor(clinical_value=60, patient_recognition=60, labour_value=60) == Decimal("1.000")
    assert rules.pricing_factor(clinical_value=100, patient_recognition=100, labour_value=100) == Decimal("1.300")
    assert rules.pricing_factor(clinical_value=0, patient_recognition=0, labour_value=0) == Decimal("0.700")
    assert rules.proposed_price(Decimal("45.00"), Decimal("1.200")) == Decimal("54.00")


def test_yang_records_pricing_and_exports_it_for_the_insurance_bureau(world, client_for):
    evaluation, _ = finalized_evaluation(world)
    proposal = outcomes.pricing_record(
        actor=world.yang,
        evaluation=evaluation,
        clinical_value=80,
        patient_recognition=90,
        labour_value=70,
        reference_price="45",
        outpatient=True,
        per_disease=True,
        rationale="小儿积滞门诊常见，疗程短、费用低",
    )
    assert (proposal.factor, proposal.proposed_price) == (Decimal("1.200"), Decimal("54.00"))
    assert proposal.insurance_labels == ["门诊", "按病种付费"]
    response = client_for("yang").get("/evaluations/pricing/export/")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.values)
    assert rows[0][:2] == ("技术编号", "技术名称")
    assert rows[1][1] == "郭氏小儿推拿治疗积滞" and rows[1][4] == "乙级" and rows[1][10] == 54.0
    assert rows[1][11:14] == ("否", "是", "是")
    assert AuditEntry.objects.filter(action="export", reason__contains="医疗保障局").exists()


def test_pricing_is_refused_before_the_final_decision_and_for_bad_factors(world):
    evaluation, _ = concluded_evaluation(world)
    with pytest.raises(ApplicationError) as excinfo:
        outcomes.pricing_record(
            actor=world.yang,
            evaluation=evaluation,
            clinical_value=80,
            patient_recognition=80,
            labour_value=80,
            reference_price="30",
            outpatient=True,
        )
    assert "终审通过筛选" in excinfo.value.message
    assert not PricingProposal.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("clinical_value", 101, "「临床价值」必须是 0 到 100 的整数"),
        ("reference_price", "0", "须大于 0 元"),
        ("reference_price", "四十五", "必须是金额"),
    ],
)
def test_bad_pricing_input_names_the_field(world, field, value, message):
    evaluation, _ = finalized_evaluation(world)
    values = dict(clinical_value=80, patient_recognition=80, labour_value=80, reference_price="30", outpatient=True)
    values[field] = value
    with pytest.raises(ApplicationError) as excinfo:
        outcomes.pricing_record(actor=world.yang, evaluation=evaluation, **values)
    assert message in excinfo.value.message and excinfo.value.field == field
    assert not PricingProposal.objects.exists()


def test_no_insurance_route_needs_a_rationale(world):
    evaluation, _ = finalized_evaluation(world)
    with pytest.raises(ApplicationError) as excinfo:
        outcomes.pricing_record(
            actor=world.yang,
            evaluation=evaluation,
            clinical_value=50,
            patient_recognition=50,
            labour_value=50,
            reference_price="30",
        )
    assert excinfo.value.field == "rationale"


def test_a_passed_technique_enters_the_catalogue_with_classes_trainees_and_a_clinic(world, client):
    evaluation, _ = finalized_evaluation(world)
    listing = outcomes.promotion_list(
        actor=world.yang, evaluation=evaluation, scope_note="全市乡镇卫生院、社区卫生服务中心"
    )
    assert listing.grade == "乙级"
    with pytest.raises(ApplicationError):
        outcomes.promotion_list(actor=world.yang, evaluation=evaluation, scope_note="再次")
    holder = evaluation.technique.holders.get()
    today = timezone.localdate()
    training = outcomes.training_class_add(
        actor=world.yang,
        listing=listing,
        holder=holder,
        title="郭氏小儿推拿基层培训班（第一期）",
        starts_on=today - timedelta(days=10),
        ends_on=today - timedelta(days=1),
        place="临猗县中医医院",
    )
    trainee = outcomes.trainee_add(
        actor=world.yang, training_class=training, name="王小红", organization="临晋镇卫生院"
    )
    outcomes.trainee_complete(actor=world.yang, trainee=trainee)
    with pytest.raises(ApplicationError):
        outcomes.trainee_complete(actor=world.yang, trainee=trainee)
    outcomes.clinic_add(
        actor=world.yang, listing=listing, name="小儿推拿特色诊室", organization=world.township_centre, opened_on=today
    )
    with pytest.raises(ApplicationError) as excinfo:
        outcomes.clinic_add(
            actor=world.yang, listing=listing, name="诊室", organization=world.yanhu_health, opened_on=today
        )
    assert "不是医疗机构" in excinfo.value.message
    page = client.get("/evaluations/catalogue/").content.decode()
    assert "郭氏小儿推拿治疗积滞" in page and "郭氏小儿推拿基层培训班（第一期）" in page and "结业 1 人" in page
    assert "小儿推拿特色诊室" in page


def test_a_class_cannot_end_before_it_starts_nor_graduate_before_its_end(world):
    evaluation, _ = finalized_evaluation(world)
    listing = outcomes.promotion_list(actor=world.yang, evaluation=evaluation, scope_note="基层")
    holder = evaluation.technique.holders.get()
    with pytest.raises(ApplicationError):
        outcomes.training_class_add(
            actor=world.yang,
            listing=listing,
            holder=holder,
            title="培训班",
            starts_on=date(2026, 5, 2),
            ends_on=date(2026, 5, 1),
            place="运城",
        )
    future = outcomes.training_class_add(
        actor=world.yang,
        listing=listing,
        holder=holder,
        title="培训班",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=5),
        place="运城",
    )
    trainee = outcomes.trainee_add(actor=world.yang, training_class=future, name="张三", organization="卫生院")
    with pytest.raises(ApplicationError) as excinfo:
        outcomes.trainee_complete(actor=world.yang, trainee=trainee)
    assert "之前不能登记结业" in excinfo.value.message


def test_only_passed_techniques_enter_the_catalogue(world):
    from evaluations import services

    evaluation, _ = concluded_evaluation(world)
    services.evaluation_finalize(actor=world.yang, evaluation=evaluation, passed=False, grade="", reason="疗效证据不足")
    evaluation.refresh_from_db()
    with pytest.raises(ApplicationError):
        outcomes.promotion_list(actor=world.yang, evaluation=evaluation, scope_note="基层")
    assert not PromotionListing.objects.exists()


def test_the_graded_database_filters_by_grade(world, client_for, django_assert_max_num_queries):
    finalized_evaluation(world)
    client = client_for("yang")
    with django_assert_max_num_queries(12):
        page = client.get("/evaluations/graded/?grade=乙级").content.decode()
    assert "郭氏小儿推拿治疗积滞" in page
    assert "郭氏小儿推拿治疗积滞" not in client.get("/evaluations/graded/?grade=甲级").content.decode()
