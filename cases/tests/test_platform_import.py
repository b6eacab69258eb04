"""The case platform's own spreadsheet, as delivered (issue 12 §14): a title row, its own column
names (患者性别, 患者年龄), a merged 「说明：…」 row under the header, extra columns, and the dose
typos real files carry. Each import is a batch that an analysis can select (§15)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from cases.importing import cases_import
from cases.models import Analysis, CaseImport, CaseRecord, PrescriptionItem, Visit
from cases.services import Selection, analysis_run
from lib.mining import MiningError

# The case platform's export: its column names, in its order, with two columns we have no field for.
PLATFORM_HEADER = [
    "序号", "患者姓名", "患者性别", "患者年龄", "就诊日期", "主诉", "四诊信息", "舌象", "脉象",
    "西医疾病", "中医疾病", "证候", "治则治法", "方剂名称", "方剂组成", "医嘱",
]  # fmt: skip
EXPLANATION = (
    "说明：1. 每行填写一次就诊；2. 患者性别填写男或女；3. 方剂组成按「药名+剂量+单位」填写，"
    "药味之间用分号隔开，如 酸枣仁30g;川芎6g；4. 就诊日期格式 2024-03-15。"
)


def platform_visit(number, name, sex, age, composition, *, formula="", disease="不寐", syndrome="心肾不交证"):
    return [
        number, name, sex, age, "2024-03-15", "失眠两月", "入睡困难，心烦", "舌红少苔", "脉细数",
        "失眠", disease, syndrome, "滋阴降火，交通心肾", formula, composition, "忌辛辣",
    ]  # fmt: skip


def platform_workbook(visits: list[list]) -> bytes:
    """The file as the case platform delivers it: a title, the header, the merged explanation."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "病案采集"
    sheet.append(["运城市中医医院 名老中医临床病案采集表（2024 年度）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PLATFORM_HEADER))
    sheet.append(PLATFORM_HEADER)
    sheet.append([EXPLANATION])
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(PLATFORM_HEADER))
    for visit in visits:
        sheet.append(visit)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


HUANGLIAN_EJIAO = "黄连12g;黄芩6g;白芍6g;阿胶9g(烊化);鸡子黄1枚"
SUANZAOREN = "酸枣仁30g;川芎6g;知母10g;茯苓15g;甘草6g"
GOOD_VISITS = [
    platform_visit(1, "王秀英", "女", "52岁", HUANGLIAN_EJIAO, formula="黄连阿胶汤"),
    platform_visit(2, "赵建国", "男", "67", SUANZAOREN, formula="酸枣仁汤"),
    platform_visit(3, "李桂兰", "女", "45", "石莲子12g;鹿角霜10g;龟板胶10g（烊化）;茯苓15g"),
]


def test_the_platform_file_imports_as_delivered(world):
    result = cases_import(actor=world.zhang, owner=world.zhang, data=platform_workbook(GOOD_VISITS))
    assert result.ok, [str(e) for e in result.errors]
    # The explanation row is not a visit; the three below it are.
    assert (result.rows, result.cases_created, result.visits_created) == (3, 3, 3)
    assert sorted(CaseRecord.objects.values_list("sex", flat=True)) == ["female", "female", "male"]
    assert sorted(CaseRecord.objects.values_list("age_band", flat=True)) == ["40–49岁", "50–59岁", "60–69岁"]
    yolk = PrescriptionItem.objects.get(original_name="鸡子黄")
    assert (yolk.herb, yolk.amount, yolk.unit, yolk.grams, yolk.known) == ("鸡子黄", 1, "枚", None, True)
    assert set(PrescriptionItem.objects.filter(original_name__in=["石莲子", "鹿角霜", "龟板胶"]).values_list(
        "original_name", "herb"
    )) == {("石莲子", "石莲子"), ("鹿角霜", "鹿角霜"), ("龟板胶", "龟甲胶")}  # fmt: skip
    # A column with no field of its own is kept as a note; none of the patients' names is kept.
    assert {v.notes.get("医嘱") for v in Visit.objects.all()} == {"忌辛辣"}
    assert not CaseRecord.objects.filter(patient_key__in=["王秀英", "赵建国", "李桂兰"]).exists()


TYPOS = [
    # (the cell as typed, the correction the message must suggest)
    ("黄连12g;黄芩6g;茯苓15gg", "「茯苓15g」"),
    ("白术9g5;茯苓15g", "「白术9g」或「白术9.5g」"),
    ("黄连12g;阿胶9g;2个鸡蛋黄", "「鸡蛋黄2个」"),
    ("茯苓15g白术10g;甘草6g", "「茯苓15g；白术10g」"),
    ("党参15g 茯  苓42g 甘草6g", "「茯苓42g」"),
]


def test_dose_typos_are_reported_by_row_and_column_with_a_correction_and_nothing_is_written(world):
    visits = [platform_visit(1, "王秀英", "女", "52", SUANZAOREN)]
    visits += [platform_visit(n, f"患者{n}", "男", "60", typo) for n, (typo, _fix) in enumerate(TYPOS, start=2)]
    result = cases_import(actor=world.zhang, owner=world.zhang, data=platform_workbook(visits))
    assert not result.ok
    # Rows as Excel numbers them: the title, the header and the explanation come first.
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (line, "方剂组成", typo) for line, (typo, _fix) in enumerate(TYPOS, start=5)
    ]
    for error, (_typo, fix) in zip(result.errors, TYPOS, strict=True):
        assert "建议改为" + fix in error.rule, error.rule
    assert "药名中间有空格" in result.errors[-1].rule  # not two unknown herbs 茯 and 苓
    assert not CaseRecord.objects.exists() and not PrescriptionItem.objects.exists()
    assert not CaseImport.objects.exists()
    # The error workbook marks each cell on the row it was on, with the suggestion as its comment.
    sheet = load_workbook(io.BytesIO(result.error_workbook())).worksheets[0]
    column = PLATFORM_HEADER.index("方剂组成") + 1
    assert "建议改为「茯苓15g」" in sheet.cell(row=5, column=column).comment.text
    assert sheet.cell(row=4, column=column).comment is None


def test_the_corrected_file_imports(world):
    fixed = [
        platform_visit(n, f"患者{n}", "男", "60", re.sub(r"^「|」.*$", "", fix)) for n, (_t, fix) in enumerate(TYPOS)
    ]
    result = cases_import(actor=world.zhang, owner=world.zhang, data=platform_workbook(fixed))
    assert result.ok, [str(e) for e in result.errors]
    herbs = set(PrescriptionItem.objects.values_list("herb", flat=True))
    assert {"茯苓", "白术", "鸡子黄"} <= herbs and not PrescriptionItem.objects.filter(known=False).exists()


# --- the import as a batch (§15) ------------------------------------------------------------------


@pytest.fixture
def two_imports(world):
    first = cases_import(actor=world.zhang, owner=world.zhang, data=platform_workbook(GOOD_VISITS))
    # The second brings 王秀英 back (her case exists) and a new patient, with other herbs.
    second = cases_import(
        actor=world.zhang,
        owner=world.zhang,
        data=platform_workbook(
            [
                platform_visit(1, "王秀英", "女", "52", "黄芪30g;当归10g;党参15g"),
                platform_visit(2, "钱玉梅", "女", "38", "黄芪30g;当归10g;白术10g"),
            ]
        ),
    )
    assert first.ok and second.ok
    return first.batch, second.batch


def test_each_import_is_a_batch_recorded_on_its_cases_and_visits(world, two_imports):
    first, second = two_imports
    assert (first.owner, first.created_by, first.cases_created, first.visits_created) == (
        world.zhang,
        world.zhang,
        3,
        3,
    )
    assert (second.cases_created, second.visits_created) == (1, 2)
    assert CaseRecord.objects.filter(batch=first).count() == 3 and CaseRecord.objects.filter(batch=second).count() == 1
    # A returning patient's case was made by the first import; her new visit belongs to the second.
    assert Visit.objects.filter(batch=second).count() == 2
    assert Visit.objects.filter(batch=second, case__batch=first).count() == 1


def test_an_analysis_of_one_batch_mines_only_that_imports_prescriptions(world, two_imports):
    first, second = two_imports
    analysis = analysis_run(actor=world.zhang, selection=Selection(batch_id=second.pk), min_support=0.5)
    assert analysis.batch == second and analysis.transactions == 2
    assert {h["herb"] for h in analysis.results["frequency"]} == {"黄芪", "当归", "党参", "白术"}
    everything = analysis_run(actor=world.zhang, selection=Selection(), min_support=0.5)
    assert everything.transactions == 5 and everything.batch is None


def test_another_units_batch_cannot_be_selected(world, two_imports):
    first, _second = two_imports
    # 李明 (an apprentice in 永济) imports his own; 张医生 does not see that batch, nor it his.
    from cases.tests.sheets import row, sheet

    his = cases_import(actor=world.liming, owner=world.liming, data=sheet([row()])).batch
    with pytest.raises(MiningError, match=f"导入批次 #{his.pk} 不存在"):
        analysis_run(actor=world.zhang, selection=Selection(batch_id=his.pk))
    with pytest.raises(MiningError, match=f"导入批次 #{first.pk} 不存在"):
        analysis_run(actor=world.liming, selection=Selection(batch_id=first.pk))
    assert not Analysis.objects.exists()


def test_the_analysis_page_offers_the_batches_in_scope_and_runs_on_one(world, two_imports, client_for):
    first, second = two_imports
    client = client_for("zhang")
    page = client.get(f"/cases/analyses/new/?batch={second.pk}").content.decode()
    assert f'<option value="{second.pk}" selected>' in page and f'<option value="{first.pk}">' in page
    response = client.post(
        "/cases/analyses/new/",
        {"batch": str(second.pk), "min_support": "0.5", "min_confidence": "0.8", "max_len": "4", "clusters": "2"},
    )
    analysis = Analysis.objects.get()
    assert response.status_code == 302 and analysis.batch == second and analysis.transactions == 2
    assert f"导入批次 #{second.pk}" in client.get(f"/cases/analyses/{analysis.pk}/").content.decode()
    # A rerun keeps the batch.
    client.post(f"/cases/analyses/{analysis.pk}/rerun/")
    assert Analysis.objects.latest("pk").batch == second
    # The import page lists the batches with a link to analyse each.
    assert f"/cases/analyses/new/?batch={first.pk}" in client.get("/cases/import/").content.decode()


def test_the_analysis_page_refuses_a_batch_out_of_scope(world, two_imports, client_for):
    first, _second = two_imports
    client = client_for("liming")
    assert f'value="{first.pk}"' not in client.get(f"/cases/analyses/new/?batch={first.pk}").content.decode()
    response = client.post(
        "/cases/analyses/new/", {"batch": str(first.pk), "min_support": "0.5", "min_confidence": "0.8", "max_len": "4"}
    )
    assert response.status_code == 200 and "导入批次" in response.content.decode()
    assert not Analysis.objects.exists()


def test_the_api_runs_an_analysis_on_one_batch_and_refuses_anothers(world, two_imports, client_for):
    first, second = two_imports
    url = "/api/v1/case-analyses"
    created = client_for("zhang").post(url, {"batch": second.pk, "min_support": 0.5}, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert (created.json()["batch"], created.json()["transactions"]) == (second.pk, 2)
    refused = client_for("liming").post(url, {"batch": first.pk}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "batch"
    assert f"导入批次 #{first.pk} 不存在" in refused.json()["detail"]
    huge = client_for("zhang").post(url, {"batch": 2**70}, content_type="application/json")
    assert huge.status_code == 400 and "batch" in huge.json()["detail"]
    assert Analysis.objects.count() == 1


def test_the_import_command_names_the_batch(world, tmp_path, capsys):
    path = tmp_path / "病案采集.xlsx"
    path.write_bytes(platform_workbook(GOOD_VISITS))
    call_command("import_cases", str(path), "--master", str(world.zhang.pk))
    batch = CaseImport.objects.get()
    assert f"导入批次 #{batch.pk}" in capsys.readouterr().out
    assert batch.created_by is None and batch.visits_created == 3


def test_the_analysis_command_mines_one_batch(world, two_imports, capsys):
    import json

    from django.core.management import CommandError

    first, second = two_imports
    call_command("analyze_prescriptions", "--batch", str(second.pk), "--min-support", "1.0", "--min-confidence", "1.0")
    result = json.loads(capsys.readouterr().out)
    assert result["transactions"] == 2
    assert [s["items"] for s in result["itemsets"]] == [["当归"], ["黄芪"], ["当归", "黄芪"]]
    analysis = analysis_run(
        actor=world.zhang, selection=Selection(batch_id=second.pk), min_support=1.0, min_confidence=1.0
    )
    assert [s["items"] for s in analysis.results["itemsets"]] == [s["items"] for s in result["itemsets"]]
    for args, message in [
        (["--batch", "99999"], "没有 id 为 99999 的导入批次"),
        ([], "二者只能选一"),
        (["some.csv", "--batch", str(first.pk)], "二者只能选一"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("analyze_prescriptions", *args, "--min-support", "0.5", "--min-confidence", "0.5")
