"""The herb curator's queue (CAS-2): unknown spellings with their counts; a curator's mapping is
saved, re-reads the items already written and is used by later imports and analyses."""

import pytest
from django.urls import reverse

from cases.importing import cases_import
from cases.models import HerbMapping, PrescriptionItem
from cases.selectors import herb_queue
from cases.services import Selection, analysis_run, herb_mapping_save
from cases.tests.sheets import row, sheet
from lib.errors import ApplicationError
from workflow.models import AuditEntry


@pytest.fixture
def classical(world):
    rows = [
        row(name="甲", composition="白茯苓15g;当归10g;蜀椒3g"),
        row(name="乙", composition="白茯苓12g;川芎6g;炒蜀椒3g"),
        row(name="丙", composition="白茯苓9g;黄芪30g"),
    ]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok


def test_the_queue_lists_unknown_spellings_with_counts_and_suggestions(world, classical, client_for):
    queue = {r["original_name"]: (r["items"], r["cases"]) for r in herb_queue(world.zhang.case_records.all())}
    assert queue == {"白茯苓": (3, 3), "蜀椒": (1, 1), "炒蜀椒": (1, 1)}
    page = client_for("zhang").get(reverse("cases:herb-queue")).content.decode()
    assert "白茯苓" in page and "茯苓" in page


def test_a_mapping_renormalises_existing_items_and_later_imports(world, classical):
    mapping, updated = herb_mapping_save(actor=world.zhang, spelling="蜀椒", standard_name="花椒")
    # 蜀椒 and its processed form 炒蜀椒 are both read again.
    assert updated == 2 and mapping.standard_name == "花椒"
    fried = PrescriptionItem.objects.get(original_name="炒蜀椒")
    assert (fried.herb, fried.processing, fried.known) == ("花椒", "炒", True)
    assert cases_import(
        actor=world.zhang, owner=world.zhang, data=sheet([row(name="丁", composition="蜀椒5g;黄芪9g")])
    ).ok
    assert PrescriptionItem.objects.filter(original_name="蜀椒", known=True).count() == 2
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk), min_support=0.2)
    assert "花椒" in [f["herb"] for f in analysis.results["frequency"]]
    assert AuditEntry.objects.filter(reason__contains="蜀椒 → 花椒").exists()


def test_a_mapping_can_mark_processing(world, classical):
    herb_mapping_save(actor=world.sun, spelling="白茯苓", standard_name="茯苓", processing="去皮")
    item = PrescriptionItem.objects.filter(original_name="白茯苓").first()
    assert (item.herb, item.processing, item.known) == ("茯苓", "去皮", True)
    assert not herb_queue(world.zhang.case_records.all()).filter(original_name="白茯苓").exists()


@pytest.mark.parametrize(
    ("spelling", "standard", "processing", "message"),
    [
        ("蜀椒", "仙丹", "", "「仙丹」不在药材表中"),
        ("生地", "地黄", "", "已能识别为"),
        ("蜀椒", "", "", "请填写规范药名"),
        ("蜀椒", "花椒", "fry", "炮制应为"),
    ],
)
def test_bad_mappings_are_refused_with_the_rule(world, classical, spelling, standard, processing, message):
    with pytest.raises(ApplicationError, match=message):
        herb_mapping_save(actor=world.zhang, spelling=spelling, standard_name=standard, processing=processing)
    assert not HerbMapping.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("zhang", 200), ("sun", 200), ("chen", 403), ("liming", 403)])
def test_office_staff_and_masters_curate(world, client_for, persona, status):
    assert client_for(persona).get(reverse("cases:herb-queue")).status_code == status


def test_the_page_saves_a_mapping_and_shows_a_refusal(world, classical, client_for):
    c = client_for("zhang")
    response = c.post(reverse("cases:herb-queue"), {"spelling": "白茯苓", "standard_name": "茯苓"})
    assert response.status_code == 302 and HerbMapping.objects.get().standard_name == "茯苓"
    refused = c.post(reverse("cases:herb-queue"), {"spelling": "蜀椒", "standard_name": "仙丹"})
    assert refused.status_code == 200 and "不在药材表中" in refused.content.decode()


def test_the_api_lists_the_queue_and_saves_a_mapping(world, classical, client_for):
    c = client_for("zhang")
    queue = c.get("/api/v1/herb-queue").json()
    assert queue["count"] == 3 and queue["items"][0] == {"original_name": "白茯苓", "items": 3, "cases": 3}
    saved = c.post(
        "/api/v1/herb-mappings", {"spelling": "白茯苓", "standard_name": "茯苓"}, content_type="application/json"
    )
    assert saved.status_code == 201 and saved.json()["updated_items"] == 3
    bad = c.post(
        "/api/v1/herb-mappings", {"spelling": "蜀椒", "standard_name": "仙丹"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == "standard_name"
    assert client_for("chen").get("/api/v1/herb-queue").status_code == 403


def test_the_queue_page_makes_a_fixed_number_of_queries(world, classical, client_for, django_assert_max_num_queries):
    rows = [
        row(name=f"病人{i}", composition=f"黄芪9g;怪药{ch}3g")
        for i, ch in enumerate("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土日月星")
    ]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    c = client_for("zhang")
    with django_assert_max_num_queries(10):
        assert c.get(reverse("cases:herb-queue")).status_code == 200
