"""`analyze_prescriptions --skip-unparsed` (issue 12 §17): each piece that cannot be read is reported
with its row and set aside, and the analysis goes on; without the flag the first one still stops it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from cases.tests.test_analyze_command import CASE_HEADER, CLASSIC_FORMULAS, write_csv, write_xlsx


def run(path, *args: str) -> tuple[dict, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    call_command("analyze_prescriptions", str(path), "--min-support", "0.5", "--min-confidence", "0.5", *args,
                 stdout=out, stderr=err)  # fmt: skip
    return json.loads(out.getvalue()), err.getvalue().splitlines()


ROWS = [
    "酸枣仁30g;川芎6g;知母10g",
    "酸枣仁30g;知母9斗;茯苓15gg",  # two bad pieces in one row: both reported, 酸枣仁 kept
    "",  # an empty prescription: the row goes
    "不知名草;另一种草",  # nothing known: the row goes
    "酸枣仁20g;知母10g",
]


def test_each_unreadable_piece_is_reported_with_its_row_and_the_rest_is_mined(tmp_path):
    result, messages = run(write_csv(tmp_path / "rx.csv", ROWS), "--skip-unparsed")
    assert result["transactions"] == 3
    assert [(s["row"], s["token"]) for s in result["skipped"]] == [(3, "知母9斗"), (3, "茯苓15gg"), (4, ""), (5, "")]
    assert "建议改为「茯苓15g」" in result["skipped"][1]["rule"]
    assert messages[:4] == [
        "第 3 行「herbs」列：跳过「知母9斗」：" + result["skipped"][0]["rule"],
        "第 3 行「herbs」列：跳过「茯苓15gg」：" + result["skipped"][1]["rule"],
        "第 4 行「herbs」列：跳过整行：处方为空，没有可识别的药味",
        "第 5 行「herbs」列：跳过整行：没有可识别的药味（药名均不在药材表中）",
    ]
    assert "共跳过 4 处（涉及 3 行），其余 3 张处方照常分析" in messages[4]
    # Row 3 still counts with the herb that was read: 酸枣仁 is in all three prescriptions.
    assert {"items": ["酸枣仁"], "count": 3, "support": 1.0} in result["itemsets"]


def test_without_the_flag_the_first_unreadable_piece_still_stops_the_command(tmp_path):
    with pytest.raises(CommandError, match="第 3 行「herbs」列：「知母9斗」"):
        run(write_csv(tmp_path / "rx.csv", ROWS))


def test_a_file_with_nothing_readable_left_is_still_refused(tmp_path):
    with pytest.raises(CommandError, match="文件中没有处方"):
        run(write_csv(tmp_path / "rx.csv", ["茯苓15gg", "2个鸡蛋黄"]), "--skip-unparsed")


def test_a_case_spreadsheet_names_rows_as_excel_numbers_them(tmp_path):
    rows = [
        ["张某", "女", 52, "不寐", "", "", "酸枣仁90g;川芎7g", ""],
        ["李某", "男", 47, "不寐", "", "", "酸枣仁30g;茯苓15g白术10g", ""],
    ]
    result, messages = run(write_xlsx(tmp_path / "cases.xlsx", rows, CASE_HEADER), "--skip-unparsed")
    assert result["skipped"] == [
        {
            "row": 3,
            "column": "方剂组成",
            "token": "茯苓15g白术10g",
            "rule": "两味药之间缺少分隔符（可用 , ， 、 ; ； 或空格）；建议改为「茯苓15g；白术10g」",
        }
    ]
    assert result["transactions"] == 2 and messages[0].startswith("第 3 行「方剂组成」列：跳过「茯苓15g白术10g」")


def test_the_classic_formulas_run_whole_skipping_the_yolks_that_lost_their_number(tmp_path):
    with open(CLASSIC_FORMULAS, encoding="utf-8") as f:
        formulas = list(csv.DictReader(f))
    yolks = [n for n, row in enumerate(formulas, start=2) if "鸡子黄枚" in row["herbs"]]
    out, err = io.StringIO(), io.StringIO()
    call_command("analyze_prescriptions", str(CLASSIC_FORMULAS), "--min-support", "0.05", "--min-confidence", "0.8",
                 "--skip-unparsed", stdout=out, stderr=err)  # fmt: skip
    result = json.loads(out.getvalue())
    assert [s["row"] for s in result["skipped"] if s["token"] == "鸡子黄枚"] == yolks
    assert result["transactions"] >= len(formulas) - 1  # 参芦 alone is not in the tables
