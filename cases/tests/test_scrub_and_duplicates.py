"""Case free text keeps no address, record number, card, e-mail or chat account, and a visit typed
twice in one sheet is reported rather than written twice (issue 13 §12)."""

import pytest

from cases.deidentify import SCRUBBED, scrub
from cases.importing import cases_import
from cases.models import CaseRecord, Visit
from cases.tests.sheets import row, sheet


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("家住运城市盐湖区解州镇东街村3组，失眠三月", "东街村3组"),
        ("现住：红旗东街128号3单元502室", "128号"),
        ("盐湖区红旗东街128号3单元502室来诊", "502室"),
        ("住院号：ZY20240315，舌红苔黄", "ZY20240315"),
        ("门诊号 88231 复诊", "88231"),
        ("家属邮箱 zhang.san@163.com", "zhang.san@163.com"),
        ("微信号 wx_abc123，QQ 123456789", "wx_abc123"),
        ("微信号 wx_abc123，QQ 123456789", "123456789"),
        ("医保卡号：6222021234567890123", "6222021234567890123"),
        ("付款卡 6222021234567890 已退", "6222021234567890"),
    ],
)
def test_identifiers_in_free_text_are_scrubbed(text, secret):
    cleaned = scrub(text)
    assert secret not in cleaned and SCRUBBED in cleaned


@pytest.mark.parametrize(
    "text",
    ["脉弦细，3剂后好转，每日1剂", "运城市盐湖区人，头痛三年", "服药7天，复诊", "第2号方加减", "酸枣仁30g 川芎6g"],
)
def test_clinical_text_and_a_county_stay_as_written(text):
    assert scrub(text) == text


def test_a_labelled_value_keeps_its_label_and_spacing():
    assert scrub("随访电话 13903591234") == f"随访电话 {SCRUBBED}"
    assert scrub("住院号：ZY2024") == f"住院号：{SCRUBBED}"


def test_a_visit_typed_twice_is_reported_with_both_rows_and_nothing_is_written(world):
    same = row(name="欧阳秀英")
    data = sheet([same, row(name="司马建国"), same])
    result = cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(4, "患者姓名")]
    assert "与第 2 行完全相同" in result.errors[0].rule
    assert "欧阳秀英" not in str(result.to_dict())
    assert not CaseRecord.objects.exists() and not Visit.objects.exists()


def test_two_visits_of_one_patient_that_differ_are_both_written(world):
    data = sheet([row(name="欧阳秀英"), row(name="欧阳秀英", symptoms="失眠好转，仍多梦")])
    result = cases_import(actor=world.zhang, owner=world.zhang, data=data)
    assert result.ok and result.visits_created == 2
