"""`manage.py analyze_prescriptions` (issue 6 §5): CSV and case spreadsheets in, frequent herb sets
and rules out as JSON; bad files stop with the row and the rule."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from lib.herbs import HerbParseError, normalize_herb, parse_prescription, standard_names
from lib.tests.test_mining import assert_same

ROOT = Path(__file__).resolve().parents[2]
CLASSIC_FORMULAS = ROOT / "cases" / "data" / "classic_formulas.csv"


def analyze(path: Path, *args: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command("analyze_prescriptions", str(path), *args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def write_csv(path: Path, rows: list[str], *, bom: bool = False, header: str = "herbs") -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["编号", header])
        for n, text in enumerate(rows, start=1):
            writer.writerow([n, text])
    return path


def write_xlsx(path: Path, rows: list[list], header: list[str]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


CASE_HEADER = ["患者姓名", "性别", "年龄", "中医疾病", "证候", "方剂名称", "方剂组成", "备注"]


def test_it_prints_itemsets_and_rules_in_the_agreed_shape(tmp_path):
    path = write_csv(tmp_path / "rx.csv", ["酸枣仁90g;川芎7g;知母14g", "酸枣仁30g，知母9g，茯苓12g", "川芎6g、甘草3g"])
    result = analyze(path, "--min-support", "0.5", "--min-confidence", "0.8", "--format", "json")
    assert result == {
        "transactions": 3,
        "itemsets": [
            {"items": ["川芎"], "count": 2, "support": 2 / 3},
            {"items": ["知母"], "count": 2, "support": 2 / 3},
            {"items": ["酸枣仁"], "count": 2, "support": 2 / 3},
            {"items": ["知母", "酸枣仁"], "count": 2, "support": 2 / 3},
        ],
        "rules": [
            {"antecedent": ["知母"], "consequent": ["酸枣仁"], "support": 2 / 3, "confidence": 1.0, "lift": 1.5},
            {"antecedent": ["酸枣仁"], "consequent": ["知母"], "support": 2 / 3, "confidence": 1.0, "lift": 1.5},
        ],
    }


def test_a_csv_with_a_byte_order_mark_reads_the_same(tmp_path):
    rows = ["生地12g;丹皮9g", "生地9g;丹皮6g;黄耆30g"]
    plain = analyze(write_csv(tmp_path / "plain.csv", rows), "--min-support", "0.5", "--min-confidence", "0.5")
    bom = analyze(write_csv(tmp_path / "bom.csv", rows, bom=True), "--min-support", "0.5", "--min-confidence", "0.5")
    assert plain == bom
    assert ["地黄", "牡丹皮"] in [s["items"] for s in plain["itemsets"]]


def test_names_are_normalized_unless_told_not_to(tmp_path):
    path = write_csv(tmp_path / "rx.csv", ["生地12g;甘草6g", "地黄12g;甘草6g"])
    normalized = analyze(path, "--min-support", "1.0", "--min-confidence", "1.0")
    assert [s["items"] for s in normalized["itemsets"]] == [["地黄"], ["甘草"], ["地黄", "甘草"]]
    raw = analyze(path, "--min-support", "1.0", "--min-confidence", "1.0", "--no-normalize")
    assert [s["items"] for s in raw["itemsets"]] == [["甘草"]]


def test_it_reads_a_case_spreadsheet_and_skips_blank_rows(tmp_path):
    rows = [
        ["张某", "女", 52, "不寐", "心肝血虚证", "酸枣仁汤", "酸枣仁90g;川芎7g;知母14g;茯苓12g;甘草6g", ""],
        [None] * 8,
        ["李某", "男", 47, "不寐", "肝郁化火证", "酸枣仁汤加减", "酸枣仁30g;知母9g;茯苓12g;柴胡9g", "复诊"],
    ]
    path = write_xlsx(tmp_path / "cases.xlsx", rows, CASE_HEADER)
    result = analyze(path, "--min-support", "1.0", "--min-confidence", "1.0", "--max-len", "2")
    assert result["transactions"] == 2
    assert [s["items"] for s in result["itemsets"] if len(s["items"]) == 2] == [
        ["知母", "茯苓"],
        ["知母", "酸枣仁"],
        ["茯苓", "酸枣仁"],
    ]
    assert all(len(s["items"]) <= 2 for s in result["itemsets"])


def test_a_bad_spreadsheet_row_is_named_as_excel_numbers_it(tmp_path):
    rows = [
        ["张某", "女", 52, "不寐", "", "", "酸枣仁90g;川芎7g", ""],
        [None] * 8,
        ["李某", "男", 47, "不寐", "", "", "酸枣仁30g;知母9斗", ""],
    ]
    path = write_xlsx(tmp_path / "cases.xlsx", rows, CASE_HEADER)
    with pytest.raises(CommandError, match="第 4 行「方剂组成」列：「知母9斗」：单位「斗」无法识别"):
        analyze(path, "--min-support", "0.5", "--min-confidence", "0.5")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("川芎g;知母14g", "「川芎g」：剂量缺少数值"),
        ("川芎7斗", "单位「斗」无法识别"),
        ("不知名草;另一种草", "没有可识别的药味"),
        ("", "处方为空"),
    ],
)
def test_a_bad_csv_row_stops_the_command_with_row_and_rule(tmp_path, text, rule):
    path = write_csv(tmp_path / "rx.csv", ["酸枣仁90g;川芎7g", "知母9g", text])
    with pytest.raises(CommandError, match=f"第 4 行「herbs」列：.*{rule}"):
        analyze(path, "--min-support", "0.5", "--min-confidence", "0.5")


def test_the_classic_formulas_stop_at_the_dose_that_lost_its_number(tmp_path):
    # Upstream wrote 鸡子黄枚 (the number of yolks is missing) in three formulas.
    with open(CLASSIC_FORMULAS, encoding="utf-8") as f:
        formulas = list(csv.DictReader(f))
    first = next(n for n, row in enumerate(formulas, start=2) if "鸡子黄枚" in row["herbs"])
    with pytest.raises(CommandError, match=f"第 {first} 行「herbs」列：「鸡子黄枚」：剂量缺少数值"):
        analyze(CLASSIC_FORMULAS, "--min-support", "0.05", "--min-confidence", "0.8")


def readable(text: str) -> bool:
    try:
        parse_prescription(text)
    except HerbParseError:
        return False
    return True


def test_on_the_classic_formulas_it_matches_the_reference(tmp_path):
    with open(CLASSIC_FORMULAS, encoding="utf-8") as f:
        texts = [row["herbs"] for row in csv.DictReader(f) if readable(row["herbs"])]
    assert len(texts) >= 230  # of 235: 鸡子黄枚 three times, and 参芦 alone is not in the tables
    path = write_csv(tmp_path / "classic.csv", texts)
    result = analyze(path, "--min-support", "0.02", "--min-confidence", "0.6")
    transactions = [list(dict.fromkeys(d.herb_name for d in parse_prescription(t))) for t in texts]
    assert result["transactions"] == len(transactions)
    expected_sets, expected_rules = assert_same(transactions, 0.02, 0.6)
    assert {frozenset(s["items"]): s["support"] for s in result["itemsets"]} == expected_sets
    assert {
        (frozenset(r["antecedent"]), frozenset(r["consequent"])): (r["support"], r["confidence"], r["lift"])
        for r in result["rules"]
    } == expected_rules
    # Normalization merged spellings: 芍药 is counted as 白芍.
    assert not any("芍药" in s["items"] for s in result["itemsets"])


def test_on_generated_prescriptions_it_matches_the_reference(tmp_path):
    rng = random.Random(6)
    herbs = sorted(h for h in standard_names() if normalize_herb(h).standard_name == h)[:40]
    weights = [1 / (rank + 1) for rank in range(len(herbs))]
    prescriptions = []
    for _ in range(300):
        chosen = set()
        size = rng.randint(3, 9)
        while len(chosen) < size:
            chosen.add(rng.choices(herbs, weights)[0])
        prescriptions.append(sorted(chosen))
    texts = [
        rng.choice(["；", ",", "、", " "]).join(f"{h}{rng.choice([3, 6, 9, 12])}g" for h in rx) for rx in prescriptions
    ]
    path = write_xlsx(tmp_path / "cases.xlsx", [["某", "", "", "", "", "", t, ""] for t in texts], CASE_HEADER)
    for support, confidence, max_len in [(0.05, 0.7, None), (0.1, 1.0, 3)]:
        args = ["--min-support", str(support), "--min-confidence", str(confidence)]
        result = analyze(path, *args, *(["--max-len", str(max_len)] if max_len else []))
        expected_sets, expected_rules = assert_same(prescriptions, support, confidence, max_len)
        assert {frozenset(s["items"]): s["support"] for s in result["itemsets"]} == expected_sets
        assert len(result["rules"]) == len(expected_rules)


def test_the_output_is_sorted_and_the_same_on_every_run(tmp_path):
    path = write_csv(tmp_path / "rx.csv", ["川芎;知母;甘草", "甘草;知母", "知母;川芎", "甘草"])
    args = ("--min-support", "0.25", "--min-confidence", "0.5")
    first, second = analyze(path, *args), analyze(path, *args)
    assert first == second
    assert all(s["items"] == sorted(s["items"]) for s in first["itemsets"])
    assert all(r["antecedent"] == sorted(r["antecedent"]) for r in first["rules"])
    counts = [s["count"] for s in first["itemsets"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--min-support", "0", "--min-confidence", "0.8"), "最小支持度必须大于 0"),
        (("--min-support", "1.5", "--min-confidence", "0.8"), "最小支持度必须大于 0 且不超过 1"),
        (("--min-support", "0.1", "--min-confidence", "0"), "最小置信度必须大于 0"),
        (("--min-support", "0.1", "--min-confidence", "1.01"), "最小置信度必须大于 0 且不超过 1"),
        (("--min-support", "0.1", "--min-confidence", "0.8", "--max-len", "0"), "最大药味数"),
        (("--min-support", "abc", "--min-confidence", "0.8"), "最小支持度必须是 0 到 1 之间的数"),
    ],
)
def test_thresholds_outside_zero_to_one_are_refused(tmp_path, args, message):
    path = write_csv(tmp_path / "rx.csv", ["川芎;知母"])
    with pytest.raises(CommandError, match=message):
        analyze(path, *args)


def test_thresholds_of_one_are_allowed(tmp_path):
    path = write_csv(tmp_path / "rx.csv", ["川芎;知母", "川芎;甘草"])
    result = analyze(path, "--min-support", "1", "--min-confidence", "1")
    assert result == {"transactions": 2, "itemsets": [{"items": ["川芎"], "count": 2, "support": 1.0}], "rules": []}


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("编号,herbs\n".encode("gbk") + "1,川芎;知母\n".encode("gbk"), "gbk.csv", "不是 UTF-8 编码"),
        (b"", "empty.csv", "文件是空的"),
        ("编号,herbs\n".encode(), "header.csv", "文件中没有处方"),
        ("编号,方子\n1,川芎\n".encode(), "column.csv", "缺少「herbs」列（现有列：编号、方子）"),
        (b"not a zip", "fake.xlsx", "不是 .xlsx 格式"),
    ],
)
def test_unreadable_files_say_why(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        analyze(path, "--min-support", "0.5", "--min-confidence", "0.5")


def test_a_missing_file_or_column_in_a_spreadsheet_is_named(tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        analyze(tmp_path / "nowhere.csv", "--min-support", "0.5", "--min-confidence", "0.5")
    path = write_xlsx(tmp_path / "cases.xlsx", [["张某", "酸枣仁90g"]], ["患者姓名", "处方"])
    with pytest.raises(CommandError, match="没有「方剂组成」列"):
        analyze(path, "--min-support", "0.5", "--min-confidence", "0.5")


def test_unknown_herbs_are_analysed_under_their_name_with_a_note(tmp_path):
    path = write_csv(tmp_path / "rx.csv", ["川芎9g;不知名草6g", "川芎6g;不知名草3g"])
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "analyze_prescriptions", str(path), "--min-support", "1", "--min-confidence", "1", stdout=out, stderr=err
    )
    assert ["不知名草", "川芎"] in [s["items"] for s in json.loads(out.getvalue())["itemsets"]]
    assert "1 个药名不在药材表中" in err.getvalue() and "不知名草" in err.getvalue()


def test_from_the_shell_a_bad_file_exits_non_zero_and_prints_no_json(tmp_path, capsys):
    from django.core.management import ManagementUtility

    path = write_csv(tmp_path / "rx.csv", ["川芎g"])
    argv = ["manage.py", "analyze_prescriptions", str(path), "--min-support", "0.1", "--min-confidence", "0.8"]
    with pytest.raises(SystemExit) as exited:
        ManagementUtility([*argv, "--format", "json"]).execute()
    assert exited.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "第 2 行「herbs」列：「川芎g」：剂量缺少数值" in captured.err
