"""A few hundred realistic declarations across Yuncheng's 13 counties, at every stage.

Names follow how folk techniques are actually named (a family name, a method, what it treats);
holders, methods and cases are invented. Every declaration goes through the real services, so
the audit log and the workflow look exactly as they would after real use."""

from __future__ import annotations

import random

from django.db import transaction

from accounts import services as account_services
from accounts.models import Membership, Organization, Region, User
from techniques import services
from techniques.models import Technique, Term

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = [
    "守义",
    "秀兰",
    "德明",
    "桂英",
    "振华",
    "玉梅",
    "建国",
    "淑珍",
    "志强",
    "春花",
    "宝山",
    "凤英",
    "永福",
    "翠萍",
    "继祖",
    "文斌",
]
# (category, method words, diseases the technique is typically declared for)
KINDS = [
    ("小儿推拿", ["小儿推拿", "捏脊", "摩腹推拿"], ["积滞", "厌食", "小儿泄泻", "小儿咳嗽", "夜啼"]),
    (
        "内服方药（验方、秘方）",
        ["验方", "祖传秘方", "经验方", "汤剂"],
        ["胃脘痛", "不寐", "眩晕", "咳嗽", "月经不调", "痹病"],
    ),
    (
        "外用方药（膏药、散剂、敷贴）",
        ["黑膏药", "散剂外敷", "穴位敷贴", "药膏"],
        ["痹病", "伤筋", "湿疮", "冻疮", "腰痛"],
    ),
    ("正骨理筋", ["正骨手法", "理筋手法", "整骨术"], ["伤筋", "腰痛", "项痹", "落枕"]),
    ("针刺疗法", ["针刺", "火针", "腹针", "头针"], ["面瘫", "中风", "头痛", "痹病", "腰痛"]),
    ("灸法", ["艾灸", "隔姜灸", "雷火灸", "督灸"], ["泄泻病", "痛经", "腰痛", "痹病"]),
    ("刮痧", ["刮痧", "撮痧"], ["感冒", "中暑", "头痛"]),
    ("拔罐", ["火罐", "药罐", "走罐"], ["感冒", "腰痛", "痹病"]),
    ("刺络放血", ["刺络放血", "耳尖放血"], ["头痛", "丹毒", "乳痈"]),
    ("熏洗药浴", ["药浴", "熏洗"], ["湿疮", "痹病", "脱疽"]),
]
STAGES = (
    ["draft"] * 3
    + ["submitted"] * 4
    + ["received"] * 4
    + ["verified"] * 3
    + ["returned"] * 2
    + ["accepted"] * 6
    + ["published"] * 8
)


def demo_county_staff() -> dict[str, User]:
    """One office-staff account per county health bureau (staff<county code>), who receives and
    verifies the county's declarations. They sign in with the demo password like every demo
    account; an older demo made them without one, so it is set where it is missing."""
    from chuancheng.demo import DEMO_PASSWORD

    staff = {}
    for county in Region.objects.filter(parent_id="140800").order_by("code"):
        username = f"staff{county.code}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(
                username=username,
                password=DEMO_PASSWORD,
                full_name=f"{county.name}卫健局工作人员",
                region=county,
                email=f"{username}@demo.example.cn",
            )
        elif not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.email = user.email or f"{username}@demo.example.cn"
            user.save(update_fields=["password", "email"])
        bureau = Organization.objects.get(name=f"{county.name}卫生健康局", region=county)
        account_services.membership_grant(user=user, organization=bureau, role=Membership.Role.OFFICE_STAFF)
        staff[county.code] = user
    return staff


def _stage(n: int, counties: int) -> str:
    # Every county's first declaration waits for its own staff (received or to be verified), so
    # each county's staff account has something to move even in a small demo.
    if n < counties:
        return ("submitted", "received")[n % 2]
    return STAGES[n % len(STAGES)]


@transaction.atomic
def load_demo_techniques(count: int = 320, seed: int = 2026) -> int:
    if Technique.objects.exists():
        return 0
    rng = random.Random(seed)
    city_staff = User.objects.get(username="cityoffice")
    holder_user = User.objects.get(username="holder")
    counties = list(Region.objects.filter(parent_id="140800").order_by("code"))
    staff = demo_county_staff()
    categories = {t.name: t for t in Term.objects.filter(vocabulary="category")}
    inheritances = list(Term.objects.filter(vocabulary="inheritance").order_by("sort_order"))
    disease_terms = {t.name: t for t in Term.objects.filter(vocabulary="disease")}
    features = list(
        Term.objects.filter(
            vocabulary="feature",
            name__in=["温经散寒", "活血化瘀", "健脾和胃", "消食导滞", "舒筋活络", "清热解毒", "祛风除湿", "疏肝理气"],
        )
    )
    townships = {c.code: list(Region.objects.filter(parent=c)) for c in counties}
    made = 0
    for n in range(count):
        county = counties[n % len(counties)]
        township = rng.choice(townships[county.code])
        villages = list(Region.objects.filter(parent=township).order_by("code")[:30])
        village = rng.choice(villages) if villages else township
        category_name, methods, diseases = rng.choice(KINDS)
        surname = rng.choice(SURNAMES)
        disease = rng.choice(diseases)
        place = township.name.removesuffix("镇").removesuffix("乡").removesuffix("街道办事处")[:3]
        name = f"{surname}氏{rng.choice(methods)}治疗{disease}"
        if rng.random() < 0.3:
            name = f"{place}{name}"
        holder = f"{surname}{rng.choice(GIVEN)}"
        stage = _stage(n, len(counties))
        # Online declarations come from the demo holder (临猗县); the rest are paper forms typed in
        # by the county's staff.
        offline = county.code != "140821" or n % 2 == 0
        actor = staff[county.code] if offline else holder_user
        fields = dict(
            name=name,
            region=village,
            category=categories[category_name],
            inheritance=inheritances[n % 4 if n % 7 else 0],
            origin_history=f"{holder}祖上自清代起在{township.name}一带行医，{rng.choice(['父子相传', '师徒相授', '自学成才后拜师'])}，至今已传{rng.randint(2, 6)}代。",
            theory_features=f"以{rng.choice(['温通经络', '健脾和胃', '活血化瘀', '祛风除湿', '清热解毒'])}为法，取材方便，操作简便，费用低廉。",
            operation_method=f"{rng.choice(methods)}：选取相应部位，按传承手法操作，每日一次，{rng.randint(3, 10)}次为一疗程。",
            contraindications="孕妇、皮肤破损及严重心脑血管疾病患者慎用。",
            typical_cases=f"患者，{rng.choice(['男', '女'])}，{rng.randint(5, 75)}岁，患{disease}，经治{rng.randint(1, 4)}个疗程后症状明显缓解。",
            consent_publish=stage != "published" and rng.random() < 0.3 or stage == "published",
            consent_research=rng.random() < 0.8,
            indications_free="" if disease in disease_terms else disease,
        )
        holders = [
            services.HolderData(
                name=holder,
                phone=f"{rng.choice(['138', '139', '150', '151', '186', '187', '135', '158'])}{rng.randint(10000000, 99999999)}",
                qualifications=rng.choice(["乡村医生执业证书", "医术确有专长证书", "中医师承证书", ""]),
                is_recognised_specialist=rng.random() < 0.25,
            )
        ]
        extra = (
            {
                "channel": Technique.Channel.OFFLINE,
                "entered_org": Organization.objects.get(name=f"{county.name}卫生健康局", region=county),
            }
            if offline
            else {}
        )
        technique = services.technique_create(
            actor=actor,
            holders=holders if offline else None,
            diseases=[disease_terms[d] for d in [disease] if d in disease_terms],
            features=rng.sample(features, k=min(2, len(features))),
            **fields,
            **extra,
        )
        made += 1
        if stage == "draft":
            continue
        services.technique_submit(technique=technique, actor=actor)
        path = {
            "submitted": [],
            "received": [("received", staff[county.code], "材料齐全，予以受理")],
            "returned": [
                ("received", staff[county.code], ""),
                ("returned", staff[county.code], "请补充持有人资格证明和典型病例随访记录"),
            ],
            "verified": [("received", staff[county.code], ""), ("verified", staff[county.code], "已入户核实")],
            "accepted": [
                ("received", staff[county.code], ""),
                ("verified", staff[county.code], "已入户核实"),
                ("accepted", city_staff, "同意入库"),
            ],
            "published": [
                ("received", staff[county.code], ""),
                ("verified", staff[county.code], "已入户核实"),
                ("accepted", city_staff, "同意入库"),
                ("published", city_staff, "持有人同意公开"),
            ],
        }[stage]
        for to, who, reason in path:
            services.technique_advance(technique=technique, actor=who, to=to, reason=reason)
        if stage in ("accepted", "published"):
            Technique.objects.filter(pk=technique.pk).update(grade=rng.choice(["A", "B", "B", "C", ""]))
    return made


def _demo_png(seed: int, width: int = 320, height: int = 200) -> bytes:
    """A small PNG drawn here, so the demo needs no image files and no imaging library: bands of
    the platform's colours, different for each technique."""
    import struct
    import zlib

    palette = [(0x7A, 0x2E, 0x1D), (0xA8, 0x55, 0x2F), (0xE6, 0xB4, 0x3C), (0xF5, 0xEF, 0xE3), (0x3D, 0x6B, 0x4F)]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # no filter
        for x in range(width):
            rows.extend(palette[((x + seed * 17) // 40 + (y // 50)) % len(palette)])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


DEMO_FILES_PER_STAGE = 2


@transaction.atomic
def load_demo_technique_files() -> int:
    """A photo and the declaration's PDF on a few techniques of every stage, uploaded through the
    service as a declarant or the county's staff would, so the demo shows (and serves, through the
    permission-checked file view) what a reviewer opens. Once: nothing is added when any technique
    already has a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lib.pdf import render_pdf
    from techniques.models import TechniqueFile
    from techniques.permissions import may_curate

    if TechniqueFile.objects.exists():
        return 0
    document = render_pdf("techniques/demo_document_pdf.html", {"kind": "技术申报材料（演示）"})
    added = 0
    for stage in Technique.Status.values:
        for technique in (
            Technique.objects.filter(status=stage).select_related("entered_by").order_by("pk")[:DEMO_FILES_PER_STAGE]
        ):
            staff = User.objects.filter(username=f"staff{technique.region_id[:6]}").first()
            uploader = technique.entered_by if may_curate(technique.entered_by, technique) else staff
            if uploader is None or not may_curate(uploader, technique):
                continue
            services.technique_file_add(
                technique=technique,
                actor=uploader,
                upload=SimpleUploadedFile("photo.png", _demo_png(technique.pk), content_type="image/png"),
                title="操作现场照片",
            )
            services.technique_file_add(
                technique=technique,
                actor=uploader,
                upload=SimpleUploadedFile("declaration.pdf", document, content_type="application/pdf"),
                title="申报材料",
            )
            added += 2
    return added
