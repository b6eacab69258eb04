"""`python manage.py analyze_prescriptions FILE --min-support S --min-confidence C [--max-len K]
[--no-normalize] --format json` (issue 6 §5, CAS-3): frequent herb sets and association rules of the
prescriptions in a file, printed as JSON.

FILE is a CSV with a `herbs` column (UTF-8, with or without BOM) or a case spreadsheet (.xlsx) with a
方剂组成 column, one prescription per row, e.g. `酸枣仁90g;川芎7g;知母14g`. Herb names are normalized
to standard names unless --no-normalize. A row that cannot be read stops the command with its row
number and the rule it breaks; nothing is printed to stdout then. With --skip-unparsed, each piece
that cannot be read is reported on stderr with its row and set aside, and the rest of the row is
mined (a row left with no herb is skipped whole); the JSON then lists them under "skipped".

`--batch ID` instead of FILE mines the prescriptions of one import (cases.CaseImport, the number
`import_cases` and the import page print) as they were written to the database.
"""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lib.herbs import HerbParseError, parse_prescription, parse_prescription_skipping
from lib.mining import MiningError, association_rules, frequent_itemsets, validate_max_len, validate_threshold
from lib.params import as_id

CSV_COLUMN = "herbs"
SPREADSHEET_COLUMN = "方剂组成"
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm"}
UNKNOWN_SHOWN = 20


def _fraction(label: str):
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{label}必须是 0 到 1 之间的数（如 0.1 表示 10%），收到「{text}」"
            ) from None

    return parse


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"最大药味数必须是不小于 1 的整数，收到「{text}」") from None


class Command(BaseCommand):
    help = "挖掘处方中的频繁药物组合与关联规则，以 JSON 输出（CSV 的 herbs 列，或病案表格的 方剂组成 列）"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV（herbs 列）或 .xlsx 病案表格（方剂组成 列）")
        parser.add_argument(
            "--batch", type=_batch_id, default=None, help="导入批次 id：分析这一次导入的病案（代替 FILE）"
        )
        parser.add_argument("--min-support", type=_fraction("最小支持度"), required=True, help="0 < S ≤ 1，如 0.1")
        parser.add_argument("--min-confidence", type=_fraction("最小置信度"), required=True, help="0 < C ≤ 1，如 0.8")
        parser.add_argument("--max-len", type=_integer, default=None, help="频繁项集最多包含的药味数")
        parser.add_argument("--no-normalize", action="store_true", help="按原样使用药名，不归一到标准药名")
        parser.add_argument(
            "--skip-unparsed",
            action="store_true",
            help="跳过无法识别的药味（逐条报告行号与原因）并继续分析；默认遇到第一处错误即停止",
        )
        parser.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args, **options):
        try:
            min_support = validate_threshold(options["min_support"], label="最小支持度")
            min_confidence = validate_threshold(options["min_confidence"], label="最小置信度")
            max_len = validate_max_len(options["max_len"])
        except MiningError as error:
            raise CommandError(error.message) from None
        normalize = not options["no_normalize"]

        skip = options["skip_unparsed"]
        skipped: list[Skipped] = []
        if (options["file"] is None) == (options["batch"] is None):
            raise CommandError("请给出 FILE（CSV 或 .xlsx 文件）或 --batch（导入批次 id），二者只能选一")
        if options["batch"] is not None:
            transactions, unknown = batch_prescriptions(options["batch"], normalize=normalize)
        else:
            transactions, unknown = read_prescriptions(
                Path(options["file"]), normalize=normalize, skipped=skipped if skip else None
            )
        for item in skipped:
            self.stderr.write(str(item), style_func=self.style.WARNING)
        if skipped:
            rows = len({item.row for item in skipped})
            self.stderr.write(
                f"提示：共跳过 {len(skipped)} 处（涉及 {rows} 行），其余 {len(transactions)} 张处方照常分析",
                style_func=self.style.WARNING,
            )
        try:
            itemsets = frequent_itemsets(transactions, min_support, max_len=max_len)
            rules = association_rules(itemsets, len(transactions), min_confidence)
        except MiningError as error:
            raise CommandError(error.message) from None

        if unknown:
            shown = "、".join(sorted(unknown)[:UNKNOWN_SHOWN]) + ("等" if len(unknown) > UNKNOWN_SHOWN else "")
            self.stderr.write(
                f"提示：{len(unknown)} 个药名不在药材表中，已按原名分析：{shown}", style_func=self.style.WARNING
            )
        result = {
            "transactions": len(transactions),
            "itemsets": [{"items": list(s.items), "count": s.count, "support": s.support} for s in itemsets],
            "rules": [
                {
                    "antecedent": list(r.antecedent),
                    "consequent": list(r.consequent),
                    "support": r.support,
                    "confidence": r.confidence,
                    "lift": r.lift,
                }
                for r in rules
            ],
        }
        if skip:
            result["skipped"] = [item.as_dict() for item in skipped]
        self.stdout.write(json.dumps(result, ensure_ascii=False))


@dataclass(frozen=True)
class Skipped:
    """A piece of a row set aside by --skip-unparsed; `token` is "" when the whole row went."""

    row: int
    column: str
    token: str
    rule: str

    def __str__(self) -> str:
        what = f"跳过「{self.token}」" if self.token else "跳过整行"
        return f"第 {self.row} 行「{self.column}」列：{what}：{self.rule}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "token": self.token, "rule": self.rule}


def _batch_id(text: str) -> int:
    number = as_id(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"导入批次 id 必须是正整数，收到「{text}」")
    return number


def batch_prescriptions(batch_id: int, *, normalize: bool) -> tuple[list[list[str]], set[str]]:
    """The herbs of each prescription that import `batch_id` wrote (standard names when
    `normalize`, else as written), and the names not in the herb tables."""
    from cases.models import CaseImport, PrescriptionItem

    if not CaseImport.objects.filter(pk=batch_id).exists():
        raise CommandError(f"没有 id 为 {batch_id} 的导入批次")
    items = PrescriptionItem.objects.filter(prescription__visit__batch_id=batch_id).order_by("prescription_id", "pk")
    by_prescription: dict[int, list[str]] = {}
    unknown: set[str] = set()
    for prescription, herb, original, known in items.values_list("prescription_id", "herb", "original_name", "known"):
        name = herb if normalize else original
        herbs = by_prescription.setdefault(prescription, [])
        if name not in herbs:
            herbs.append(name)
        if normalize and not known:
            unknown.add(original)
    if not by_prescription:
        raise CommandError(f"导入批次 #{batch_id} 中没有处方")
    return list(by_prescription.values()), unknown


def read_prescriptions(
    path: Path, *, normalize: bool, skipped: list[Skipped] | None = None
) -> tuple[list[list[str]], set[str]]:
    """The herbs of each prescription in the file (standard names when `normalize`), and the names
    that are not in the herb tables. Blank rows are skipped; any other unreadable row is an error,
    unless `skipped` is given: then each unreadable piece (or row) is appended to it and left out."""
    if not path.is_file():
        raise CommandError(f"找不到文件：{path}")
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        column, rows = SPREADSHEET_COLUMN, _spreadsheet_rows(path)
    else:
        column, rows = CSV_COLUMN, _csv_rows(path)
    transactions: list[list[str]] = []
    unknown: set[str] = set()
    for number, text in rows:
        if not text.strip():
            if skipped is None:
                raise CommandError(f"第 {number} 行「{column}」列：处方为空，没有可识别的药味")
            skipped.append(Skipped(number, column, "", "处方为空，没有可识别的药味"))
            continue
        if skipped is None:
            try:
                doses = parse_prescription(text, normalize=normalize)
            except HerbParseError as error:
                raise CommandError(f"第 {number} 行「{column}」列：{error.message}") from None
        else:
            doses, errors = parse_prescription_skipping(text, normalize=normalize)
            skipped.extend(
                Skipped(number, column, e.fragment, e.message.removeprefix(f"「{e.fragment}」：")) for e in errors
            )
            if normalize and not any(d.herb.known for d in doses):
                if doses:
                    rule = "没有可识别的药味（药名均不在药材表中）"
                    skipped.append(Skipped(number, column, "", rule))
                continue
            if not doses:
                continue
        if normalize:
            unknown.update(d.name for d in doses if not d.herb.known)
        transactions.append(list(dict.fromkeys(d.herb_name for d in doses)))
    if not transactions:
        raise CommandError(f"文件中没有处方：「{column}」列下没有任何数据行")
    return transactions, unknown


def _csv_rows(path: Path):
    """(row number as a spreadsheet shows it, herbs text) for each non-blank row of the CSV."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise CommandError("文件是空的：第 1 行应为表头，含「herbs」列")
            names = [h.strip() for h in header]
            index = _column_index(names, CSV_COLUMN, aliases=(SPREADSHEET_COLUMN,))
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                yield number, row[index] if index < len(row) else ""
    except UnicodeDecodeError:
        raise CommandError(
            "文件不是 UTF-8 编码（可能是 GBK）：请在 Excel 中「另存为 → CSV UTF-8（逗号分隔）」后重试"
        ) from None
    except csv.Error as error:
        raise CommandError(f"CSV 格式有误：{error}") from None


def _spreadsheet_rows(path: Path):
    from python_calamine import CalamineError, CalamineWorkbook

    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise CommandError("文件不是 .xlsx 格式（可能是把 .xls 或其他文件改了扩展名），请在 Excel 中另存为 .xlsx")
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [
            workbook.get_sheet_by_index(i).to_python(skip_empty_area=False) for i in range(len(workbook.sheet_names))
        ]
    except (CalamineError, OSError, ValueError) as error:
        raise CommandError(f"无法读取表格文件：{error}") from None
    # The first sheet whose header row has the column; case spreadsheets keep it on the first.
    for rows in sheets:
        header_at = next((i for i, row in enumerate(rows) if any(_cell(c) for c in row)), None)
        if header_at is None:
            continue
        names = [_cell(c) for c in rows[header_at]]
        if SPREADSHEET_COLUMN in names or CSV_COLUMN in names:
            index = _column_index(names, SPREADSHEET_COLUMN, aliases=(CSV_COLUMN,))
            for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
                if not any(_cell(c) for c in row):
                    continue
                yield number, _cell(row[index]) if index < len(row) else ""
            return
    raise CommandError(f"表格中没有「{SPREADSHEET_COLUMN}」列：表头应在第一个非空行")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_index(names: list[str], column: str, *, aliases: tuple[str, ...] = ()) -> int:
    for name in (column, *aliases):
        if name in names:
            return names.index(name)
    shown = "、".join(n for n in names if n) or "（无）"
    raise CommandError(f"缺少「{column}」列（现有列：{shown}）")
