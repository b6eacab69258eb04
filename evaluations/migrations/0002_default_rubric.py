"""The default rubric and grade scale (issue 5 §5–6). Both are data: the office may add others
in the admin; evaluations keep the rubric and scale they were opened with."""

from django.db import migrations

# 003 §三(二).4 and §三(三).11: safety first, then efficacy; inheritance value and distinctiveness
# for the protection of folk techniques; ease of promotion, economic and social value for PRO-2.
CRITERIA = [
    # name, guidance, weight, required, n/a allowed
    ("安全性", "不良反应与风险可控程度，禁忌证是否明确", "0.25", True, False),
    ("有效性", "疗效判定与患者随访所见的临床效果", "0.25", True, False),
    ("传承价值", "源流清晰、传承脉络完整、具有中医药文化价值", "0.15", True, False),
    ("独特性", "理论、方法或制备工艺的特色与不可替代性", "0.10", True, False),
    ("推广难易度", "操作规范程度、培训难度、基层可及性", "0.10", True, False),
    ("经济价值", "费用节约与成本效益；尚无数据时可选「不适用」", "0.075", False, True),
    ("社会价值", "惠及人群、服务基层与健康扶贫作用；尚无数据时可选「不适用」", "0.075", False, True),
]
LEVELS = [("甲级", "85", "A"), ("乙级", "75", "B"), ("丙级", "60", "C")]


def load(apps, schema_editor):
    Rubric = apps.get_model("evaluations", "Rubric")
    Criterion = apps.get_model("evaluations", "Criterion")
    GradeScale = apps.get_model("evaluations", "GradeScale")
    GradeLevel = apps.get_model("evaluations", "GradeLevel")
    rubric, created = Rubric.objects.get_or_create(
        name="中医药优势技术价值评估标准（默认）",
        defaults={
            "description": "每项 0–100 分，按权重加权平均；「不适用」的指标不计入，其余指标权重按比例折算。",
            "is_default": True,
        },
    )
    if created:
        for order, (name, guidance, weight, required, allow_na) in enumerate(CRITERIA):
            Criterion.objects.create(
                rubric=rubric,
                name=name,
                guidance=guidance,
                weight=weight,
                required=required,
                allow_not_applicable=allow_na,
                order=order,
            )
    scale, created = GradeScale.objects.get_or_create(name="甲乙丙三级（默认）", defaults={"is_default": True})
    if created:
        for label, minimum, technique_grade in LEVELS:
            GradeLevel.objects.create(scale=scale, label=label, min_score=minimum, technique_grade=technique_grade)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
