"""Demo data of the cases app, loaded by chuancheng.demo.load_demo (make run): the demo master
张德润 with a few hundred cases built from classic formulas (classic_formulas.csv) as a master
writes them — his usual formulas for each disease and syndrome, with doses varied and a herb
added or left out — imported through the real spreadsheet path, a saved analysis and a published
protocol; and, when an apprenticeship with him exists, his apprentice's cases."""

from __future__ import annotations

import csv
import datetime
import io
import random

from accounts.models import User
from lib.herbs import DATA_DIR

# (disease, syndrome, principle, formula, symptoms, tongue, pulse, western diagnosis): the master's
# practice, names from the reference vocabularies.
PRACTICE = [
    (
        "不寐",
        "心脾两虚证",
        "补益心脾，养血安神",
        "归脾汤",
        "多梦易醒，心悸健忘，神疲食少",
        "舌淡苔薄",
        "脉细弱",
        "失眠症",
    ),
    (
        "不寐",
        "心肾不交证",
        "滋阴降火，交通心肾",
        "黄连阿胶汤",
        "心烦不寐，头晕耳鸣，腰膝酸软",
        "舌红少苔",
        "脉细数",
        "失眠症",
    ),
    ("不寐", "心肾不交证", "养血安神，清热除烦", "酸枣仁汤", "虚烦不眠，咽干口燥", "舌红", "脉弦细", "焦虑状态"),
    (
        "胃痛",
        "脾胃虚寒证",
        "温中健脾，和胃止痛",
        "小建中汤",
        "胃痛隐隐，喜温喜按，空腹痛甚",
        "舌淡苔白",
        "脉虚弱",
        "慢性胃炎",
    ),
    (
        "胃痛",
        "脾胃虚寒证",
        "温中祛寒，补气健脾",
        "理中丸",
        "脘腹冷痛，泛吐清水，便溏",
        "舌淡苔白润",
        "脉沉细",
        "功能性消化不良",
    ),
    (
        "胃痛",
        "肝胃不和证",
        "疏肝理气，和胃止痛",
        "柴胡疏肝散",
        "胃脘胀痛，痛连两胁，嗳气频作",
        "舌苔薄白",
        "脉弦",
        "慢性胃炎",
    ),
    (
        "郁证",
        "肝气郁结证",
        "疏肝解郁，健脾养血",
        "逍遥散",
        "情志抑郁，胸胁胀满，善太息",
        "舌淡红苔薄白",
        "脉弦",
        "抑郁状态",
    ),
    (
        "咳嗽",
        "痰湿蕴肺证",
        "燥湿化痰，理气止咳",
        "二陈汤",
        "咳嗽痰多，色白易咯，胸闷",
        "舌苔白腻",
        "脉濡滑",
        "慢性支气管炎",
    ),
    (
        "眩晕",
        "肝阳上亢证",
        "平肝潜阳，清火息风",
        "天麻钩藤饮",
        "眩晕耳鸣，头目胀痛，急躁易怒",
        "舌红苔黄",
        "脉弦数",
        "高血压病",
    ),
    ("虚劳", "气血两虚证", "益气补血", "八珍汤", "面色萎黄，头晕心悸，气短乏力", "舌淡苔薄白", "脉细弱", "贫血"),
    (
        "胸痹",
        "心血瘀阻证",
        "活血化瘀，通脉止痛",
        "血府逐瘀汤",
        "胸部刺痛，固定不移，入夜为甚",
        "舌质紫暗",
        "脉涩",
        "冠心病",
    ),
    (
        "痹病",
        "风寒湿痹证",
        "祛风湿，止痹痛，益肝肾",
        "独活寄生汤",
        "腰膝冷痛，屈伸不利，遇寒加重",
        "舌淡苔白",
        "脉细弱",
        "膝骨关节炎",
    ),
]
# Common doses in grams; others get 9 g. Varied by a step either way per case.
DOSES = {
    "黄芪": 30,
    "党参": 15,
    "人参": 9,
    "白术": 12,
    "茯苓": 15,
    "茯神": 15,
    "当归": 10,
    "熟地黄": 15,
    "白芍": 15,
    "芍药": 15,
    "川芎": 9,
    "酸枣仁": 30,
    "龙眼肉": 12,
    "远志": 6,
    "木香": 6,
    "炙甘草": 6,
    "甘草": 6,
    "大枣": 10,
    "生姜": 9,
    "桂枝": 9,
    "饴糖": 30,
    "干姜": 6,
    "柴胡": 10,
    "枳壳": 10,
    "香附": 10,
    "陈皮": 9,
    "半夏": 9,
    "天麻": 10,
    "钩藤": 15,
    "石决明": 30,
    "牛膝": 15,
    "杜仲": 12,
    "桑寄生": 15,
    "黄芩": 9,
    "栀子": 9,
    "益母草": 15,
    "夜交藤": 30,
    "黄连": 6,
    "阿胶": 10,
    "知母": 10,
    "薄荷": 6,
    "桃仁": 10,
    "红花": 9,
    "赤芍": 12,
    "生地黄": 15,
    "桔梗": 6,
    "独活": 10,
    "防风": 9,
    "细辛": 3,
    "秦艽": 10,
    "肉桂": 3,
}
ADDITIONS = ["合欢皮", "郁金", "丹参", "砂仁", "焦山楂", "鸡内金", "首乌藤", "龙骨", "牡蛎", "延胡索"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁薛"
GIVEN = "秀兰建国志强德明玉珍永福桂英春生海平文华金凤国庆保全守义长顺树林淑芬"
MASTER_CASES = 300
APPRENTICE_CASES = 36


def _formulas() -> dict[str, list[str]]:
    with open(DATA_DIR / "classic_formulas.csv", encoding="utf-8-sig", newline="") as f:
        return {r["formula"]: [h.strip() for h in r["herbs"].split(",") if h.strip()] for r in csv.DictReader(f)}


def _composition(rng: random.Random, herbs: list[str], *, historic: bool) -> str:
    chosen = [h for h in herbs if rng.random() > 0.1] or herbs
    if rng.random() < 0.5:
        chosen.append(rng.choice(ADDITIONS))
    parts = []
    for herb in dict.fromkeys(chosen):
        grams = max(3, DOSES.get(herb, 9) + rng.choice([-3, 0, 0, 3]))
        if historic:  # older records in 钱, converted at 3 g per 钱 on import
            parts.append(f"{herb}{max(1, round(grams / 3))}钱")
        else:
            parts.append(f"{herb}{grams}g")
    return ";".join(parts)


def _sheet(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    from cases.importing import KNOWN_COLUMNS

    header = [*KNOWN_COLUMNS[:12], "就诊日期", "主诉", "转归"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rows(rng: random.Random, n: int, *, start: datetime.date, faithful: float, prefix: str) -> list[list]:
    formulas = _formulas()
    rows = []
    patients = [f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}" for _ in range(n * 4 // 5)]
    for i in range(n):
        disease, syndrome, principle, formula, symptoms, tongue, pulse, western = rng.choice(PRACTICE)
        herbs = formulas[formula]
        if rng.random() > faithful:  # an apprentice's own choice instead of the master's formula
            herbs = formulas[rng.choice(["二陈汤", "麻黄汤", "生脉散", "玉屏风散", "六味地黄丸", "温胆汤"])]
        date = start + datetime.timedelta(days=i * 3 + rng.randint(0, 2))
        age = rng.randint(18, 85)
        outcome = rng.choice(["症状明显减轻", "诸症悉平", "好转，继服原方", ""])
        rows.append(
            [
                f"{prefix}{rng.choice(patients)}",
                rng.choice(["男", "女"]),
                str(age),
                symptoms,
                tongue,
                pulse,
                western,
                disease,
                syndrome,
                principle,
                formula if herbs is formulas[formula] else "",
                _composition(rng, herbs, historic=date.year < 2016),
                date,
                symptoms.split("，")[0],
                outcome,
            ]
        )
    return rows


def load_demo_cases(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run."""
    from cases.importing import cases_import
    from cases.models import Analysis, CaseRecord, Protocol
    from cases.services import Selection, analysis_run, protocol_advance, protocol_create

    master = User.objects.filter(username="master").first()
    if master is None:
        return
    rng = random.Random(20250601)
    if not CaseRecord.objects.filter(owner=master).exists():
        rows = _rows(rng, MASTER_CASES, start=datetime.date(2014, 3, 1), faithful=1.0, prefix="")
        result = cases_import(actor=None, owner=master, data=_sheet(rows))
        if not result.ok:
            raise RuntimeError(f"演示病案导入失败：{result.errors[:3]}")
    analysis = Analysis.objects.filter(subject=master, disease="", syndrome="").first()
    if analysis is None:
        analysis = analysis_run(actor=master, selection=Selection(subject_id=master.pk), min_support=0.1, clusters=8)
    if not Protocol.objects.filter(owner=master).exists():
        insomnia = Analysis.objects.filter(subject=master, disease="不寐").first() or analysis_run(
            actor=master, selection=Selection(subject_id=master.pk, disease="不寐"), min_support=0.2, clusters=4
        )
        protocol = protocol_create(
            actor=master,
            analysis=insomnia,
            title="不寐（心脾两虚证、心肾不交证）诊疗方案",
            disease="不寐",
            syndrome="心脾两虚证",
            diagnosis="入睡困难或多梦易醒，心悸健忘，神疲食少；舌淡苔薄，脉细弱者属心脾两虚；"
            "心烦不寐、腰膝酸软、舌红少苔、脉细数者属心肾不交。",
            principle="心脾两虚者补益心脾、养血安神；心肾不交者滋阴降火、交通心肾",
            prescription="归脾汤加减：黄芪30g 党参15g 白术12g 茯神15g 酸枣仁30g 龙眼肉12g 当归10g 远志6g 木香6g 炙甘草6g",
            modifications="心烦、舌红少苔者合黄连阿胶汤；多梦易惊加龙骨、牡蛎各30g（先煎）；情志不舒加合欢皮15g。",
            cautions="睡前忌浓茶、咖啡；规律作息，每日晚间温服。",
        )
        protocol_advance(protocol=protocol, actor=master, to=Protocol.Status.PUBLISHED, reason="演示数据")

    from apprenticeships.models import Apprenticeship

    for relation in Apprenticeship.objects.filter(master__user=master).select_related("apprentice"):
        apprentice = relation.apprentice
        if CaseRecord.objects.filter(owner=apprentice, apprenticeship=relation).exists():
            continue
        # The apprentice follows the master's formulas more and more over the apprenticeship.
        start = max(relation.starts_on, datetime.date.today() - datetime.timedelta(days=APPRENTICE_CASES * 3 + 5))
        rows = []
        for part in range(3):
            rows += _rows(rng, APPRENTICE_CASES // 3, start=start + datetime.timedelta(days=part * 36),
                          faithful=0.4 + 0.25 * part, prefix="")  # fmt: skip
        result = cases_import(actor=None, owner=apprentice, data=_sheet(rows))
        if result.ok:
            CaseRecord.objects.filter(owner=apprentice, apprenticeship__isnull=True).update(apprenticeship=relation)
