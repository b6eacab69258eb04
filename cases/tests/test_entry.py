"""Manual case entry (CAS-1): a master writes a de-identified case with its visits in the browser
and through the API; bad prescriptions are refused with the rule and nothing is written."""

import pytest
from django.urls import reverse

from cases.importing import SCRUBBED
from cases.models import CaseRecord, Prescription, PrescriptionItem, Visit
from cases.tests.factories import apprenticeship_of
from workflow.models import AuditEntry


def _post(world, **overrides):
    data = {
        "patient-patient": "王秀英",
        "patient-sex": "female",
        "patient-age": "52",
        "patient-county": "140802",
        "patient-kind": "prospective",
        "visit-date": "2025-04-02",
        "visit-chief_complaint": "失眠三月，王秀英诉入睡困难，电话13903591234",
        "visit-symptoms": "心烦多梦，口干",
        "visit-tongue": "舌红少苔",
        "visit-pulse": "脉细数",
        "visit-tcm_disease": "不寐",
        "visit-syndrome": "心肾不交证",
        "visit-western_diagnosis": "失眠症",
        "visit-treatment_principle": "滋阴降火，养心安神",
        "visit-acupoints": "神门、三阴交、内关",
        "visit-outcome": "",
        "visit-efficacy": "",
        "rx-TOTAL_FORMS": "2",
        "rx-INITIAL_FORMS": "0",
        "rx-MIN_NUM_FORMS": "0",
        "rx-MAX_NUM_FORMS": "5",
        "rx-0-formula_name": "酸枣仁汤",
        "rx-0-composition": "酸枣仁3钱;川芎6g;知母10g;茯苓15g;炙甘草6g;龙骨30g(先煎)",
        "rx-0-decoction": "水煎服，日一剂",
        "rx-0-administration": "早晚分服，共七剂",
        "rx-1-composition": "",
    }
    data.update(overrides)
    return data


def test_zhang_enters_a_case_and_the_patient_is_a_pseudonym(world, client_for):
    c = client_for("zhang")
    response = c.post(reverse("cases:case-create"), _post(world))
    case = CaseRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.owner == world.zhang and case.organization == world.city_tcm
    assert case.age_band == "50–59岁" and case.sex == "female" and case.county_id == "140802"
    visit = Visit.objects.get(case=case)
    assert "王秀英" not in visit.chief_complaint and SCRUBBED in visit.chief_complaint
    assert "13903591234" not in visit.chief_complaint
    assert visit.tcm_disease_term is not None and visit.syndrome_term is not None and not visit.flagged
    assert visit.acupoints == "神门、三阴交、内关"
    prescription = Prescription.objects.get(visit=visit)
    assert prescription.decoction == "水煎服，日一剂" and prescription.administration == "早晚分服，共七剂"
    # 3 钱 is 9 g, with the factor kept and shown.
    jujube = PrescriptionItem.objects.get(herb="酸枣仁")
    assert (jujube.amount, jujube.unit, jujube.factor, jujube.grams) == (3, "钱", 3.0, 9.0)
    assert PrescriptionItem.objects.get(herb="龙骨").note == "先煎"
    page = c.get(response["Location"]).content.decode()
    assert case.pseudonym in page and "王秀英" not in page and "1 钱 = 3 g" in page
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_id=str(case.pk)).exists()


def test_a_disease_outside_the_vocabulary_is_kept_and_flagged(world, client_for):
    client_for("zhang").post(reverse("cases:case-create"), _post(world, **{"visit-tcm_disease": "夜不安神病"}))
    visit = Visit.objects.get()
    assert visit.tcm_disease == "夜不安神病" and visit.tcm_disease_term is None and visit.flagged


def test_zhang_adds_a_follow_up_visit_with_its_outcome(world, client_for):
    c = client_for("zhang")
    c.post(reverse("cases:case-create"), _post(world))
    case = CaseRecord.objects.get()
    data = _post(world, **{"visit-outcome": "睡眠明显改善", "visit-efficacy": "marked", "visit-date": "2025-04-09"})
    response = c.post(reverse("cases:visit-add", args=[case.pk]), data)
    assert response.status_code == 302
    follow_up = Visit.objects.get(case=case, number=2)
    assert follow_up.efficacy == "marked" and follow_up.outcome == "睡眠明显改善"
    assert "第 2 诊" in c.get(f"/cases/{case.pk}/").content.decode()


def test_the_same_patient_entered_again_is_the_same_case(world, client_for):
    c = client_for("zhang")
    c.post(reverse("cases:case-create"), _post(world))
    c.post(reverse("cases:case-create"), _post(world))
    assert CaseRecord.objects.count() == 1 and Visit.objects.count() == 2


@pytest.mark.parametrize(
    ("composition", "message"),
    [
        ("大力丸10g;神仙草5g", "处方中没有可识别的药味"),
        ("酸枣仁g;川芎6g", "剂量缺少数值"),
        ("酸枣仁30斗;川芎6g", "单位「斗」无法识别"),
        ("", "至少填写一张处方"),
    ],
)
def test_a_bad_prescription_is_refused_with_the_rule_and_nothing_is_written(world, client_for, composition, message):
    response = client_for("zhang").post(reverse("cases:case-create"), _post(world, **{"rx-0-composition": composition}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseRecord.objects.exists() and not PrescriptionItem.objects.exists()


def test_a_visit_date_in_the_future_is_refused(world, client_for):
    response = client_for("zhang").post(reverse("cases:case-create"), _post(world, **{"visit-date": "2999-01-01"}))
    assert "就诊日期不能晚于今天" in response.content.decode() and not CaseRecord.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("chen", 403), ("sun", 403), ("liming", 200)])
def test_only_masters_and_apprentices_enter_cases(world, client_for, persona, status):
    assert client_for(persona).get(reverse("cases:case-create")).status_code == status


def test_another_doctor_cannot_add_a_visit_to_zhangs_case(world, client_for):
    client_for("zhang").post(reverse("cases:case-create"), _post(world))
    case = CaseRecord.objects.get()
    assert client_for("liming").get(reverse("cases:visit-add", args=[case.pk])).status_code == 404
    assert client_for("sun").get(reverse("cases:visit-add", args=[case.pk])).status_code == 403


def test_an_apprentices_case_is_linked_to_the_apprenticeship(world, client_for):
    relation = apprenticeship_of(world)
    client_for("liming").post(reverse("cases:case-create"), _post(world))
    assert CaseRecord.objects.get().apprenticeship == relation


def test_the_api_enters_a_case_and_a_follow_up(world, client_for):
    zhang, zhou = client_for("zhang"), client_for("zhou")
    payload = {
        "patient": "赵建国",
        "sex": "male",
        "age": 67,
        "county": "140881",
        "visit": {
            "tcm_disease": "胃痛",
            "syndrome": "脾胃虚寒证",
            "chief_complaint": "赵建国胃脘隐痛",
            "prescriptions": [{"composition": "黄芪30g;桂枝10g;白芍20g;炙甘草6g;生姜3片;大枣4枚"}],
        },
    }
    created = zhang.post("/api/v1/cases", payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["pseudonym"].startswith("患者-") and "赵建国" not in created.content.decode()
    items = body["visits"][0]["prescriptions"][0]["items"]
    assert {"herb": "大枣", "amount": 4.0, "unit": "枚", "grams": None}.items() <= next(
        i for i in items if i["herb"] == "大枣"
    ).items()
    again = zhang.post(
        f"/api/v1/cases/{body['id']}/visits",
        {"efficacy": "effective", "prescriptions": [{"composition": "黄芪30g;桂枝10g"}]},
        content_type="application/json",
    )
    assert again.status_code == 201 and len(again.json()["visits"]) == 2
    bad = zhang.post(
        "/api/v1/cases",
        {**payload, "visit": {"prescriptions": [{"composition": "川芎g"}]}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "剂量缺少数值" in bad.json()["detail"] and bad.json()["field"] == "composition"
    response = zhou.post(f"/api/v1/cases/{body['id']}/visits", {"prescriptions": []}, content_type="application/json")
    assert response.status_code == 404
