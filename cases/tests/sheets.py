"""Case spreadsheets for tests, in the layout case-mining tools use."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = [
    "患者姓名",
    "性别",
    "年龄",
    "四诊信息",
    "舌象",
    "脉象",
    "西医疾病",
    "中医疾病",
    "证候",
    "治则治法",
    "方剂名称",
    "方剂组成",
]


def sheet(rows: list[list], header: list[str] | None = None) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(name="王秀英", sex="女", age="52", symptoms="失眠多梦，心烦", tongue="舌红少苔", pulse="脉细数",
        western="失眠", disease="不寐", syndrome="心肾不交证", principle="滋阴降火，养心安神",
        formula="酸枣仁汤", composition="酸枣仁30g;川芎6g;知母10g;茯苓15g;甘草6g") -> list:  # fmt: skip
    return [name, sex, age, symptoms, tongue, pulse, western, disease, syndrome, principle, formula, composition]
