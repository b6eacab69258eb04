"""Demo data of the masters app, loaded by chuancheng.demo.load_demo (make run).

Certified masters of all six tiers across several Yuncheng counties, each with techniques,
materials (a generated image, a PDF teaching text or protocol, a product with its partners) and a
master certificate; and applications waiting at each stage before certification. Everything goes
through the real services, so the audit log and the certificates are as the workflow makes them.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from masters.models import Master, MasterMaterial, Tier, Title

# (username, name, organization key, region, tier, title, specialty, clinical since, birth, capacity, bio)
CERTIFIED = [
    (
        "master",
        "张德润",
        "city_tcm",
        "140802",
        Tier.MINGLAO_ZHONGYI,
        Title.CHIEF,
        "针灸推拿",
        1978,
        "1955-01-21",
        6,
        "运城市中医医院针灸科主任医师，从事针灸临床四十余年，擅长醒脑开窍针法治疗中风后遗症。",
    ),
    (
        "master2",
        "薛荣昌",
        "hejin_tcm",
        "140882",
        Tier.ZHIMING_TRADITIONAL,
        Title.CHIEF,
        "中医内科（脾胃病）",
        1976,
        "1958-10-09",
        8,
        "河津市中医医院名誉院长，师从三晋名医，以调和脾胃法治疗慢性萎缩性胃炎见长。",
    ),
    (
        "master3",
        "王秀珍",
        "yongji_tcm",
        "140881",
        Tier.GUOYI_DASHI,
        Title.CHIEF,
        "中医妇科",
        1966,
        "1942-06-15",
        4,
        "永济市中医医院妇科主任医师，从医六十年，擅长中药周期疗法调治月经不调与不孕症。",
    ),
    (
        "master4",
        "李振东",
        "linyi_tcm",
        "140821",
        Tier.ACADEMICIAN,
        Title.CHIEF,
        "骨伤（创伤骨科）",
        1980,
        "1956-03-08",
        5,
        "临猗县中医医院骨伤科学科带头人，获省科技进步奖，擅长手法整复与小夹板固定治疗四肢骨折。",
    ),
    (
        "master5",
        "孙立平",
        "city_central",
        "140802",
        Tier.SENIOR_EXPERT,
        Title.CHIEF,
        "心血管内科",
        1985,
        "1960-11-30",
        5,
        "运城市中心医院心内科主任医师，长期从事冠心病介入与中西医结合康复。",
    ),
    (
        "master6",
        "卫红梅",
        "yongji_tcm",
        "140881",
        Tier.ZHIMING_MODERN,
        Title.ATTENDING,
        "儿科（小儿呼吸）",
        2008,
        "1979-04-22",
        3,
        "永济市中医医院儿科主治医师，擅长小儿反复呼吸道感染的防治。",
    ),
]
# Applications waiting before certification, one per stage.
PENDING = [
    (
        "mapply1",
        "高建军",
        "linyi_tcm",
        "140821",
        Tier.ZHIMING_TRADITIONAL,
        Title.CHIEF,
        "针灸（颈肩腰腿痛）",
        1995,
        "1969-09-01",
        Master.Status.DRAFT,
    ),
    (
        "mapply2",
        "畅玉兰",
        "city_tcm",
        "140802",
        Tier.ZHIMING_TRADITIONAL,
        Title.ASSOCIATE_CHIEF,
        "中医妇科",
        1998,
        "1972-02-14",
        Master.Status.SUBMITTED,
    ),
    (
        "mapply3",
        "景志刚",
        "hejin_tcm",
        "140882",
        Tier.MINGLAO_ZHONGYI,
        Title.CHIEF,
        "中医内科（肺病）",
        1983,
        "1959-12-05",
        Master.Status.REVIEWED,
    ),
    (
        "mapply4",
        "裴文华",
        "yongji_tcm",
        "140881",
        Tier.SENIOR_EXPERT,
        Title.CHIEF,
        "骨伤（脊柱）",
        1986,
        "1962-07-19",
        Master.Status.SELECTED,
    ),
]
# What each material says: (kind, title, description, sections for a PDF or None for an image).
TEXTBOOK = ("《{specialty}临床带教讲义》", "供师承人跟师学习使用的讲义。")
PROTOCOL = ("{specialty}诊疗方案（{year}版）", "本科室常见病的辨证分型、治法方药与疗效评价标准。")
PRODUCTS = {
    "master": ("醒脑开窍针刺法", "method", [("research", "山西中医药大学针灸推拿学院", "针刺手法量化研究")]),
    "master2": (
        "健脾和胃颗粒（院内制剂）",
        "prescription",
        [
            ("research", "山西中医药大学", "药效学与质量标准研究"),
            ("industry", "山西广誉远国药有限公司", "新药转化合作"),
        ],
    ),
    "master3": ("调经促孕方", "prescription", [("research", "山西医科大学第一医院", "临床疗效观察")]),
    "master4": ("小夹板固定配合中药熏洗法", "method", [("industry", "运城市康复器械有限公司", "夹板改进与生产")]),
}


def _user(username: str, full_name: str, region_code: str, org, role, seq: int):
    from chuancheng.demo import demo_person

    return demo_person(
        username=username,
        name=full_name,
        region=region_code,
        phone=f"1393590{seq:04d}",
        birth="19650101",
        serial=600 + seq,
        memberships=[(org, role)],
    )


def _apply(user, name, org, region_code, tier, title, specialty, since, birth, capacity=5, bio=""):
    from accounts.models import Region
    from masters import services

    return services.master_application_create(
        actor=user,
        name=name,
        tier=tier,
        title=title,
        specialty=specialty,
        clinical_since=since,
        birth_date=datetime.date.fromisoformat(birth),
        organization=org,
        region=Region.objects.get(code=region_code),
        capacity=capacity,
        bio=bio,
    )


def _advance(master: Master, until: str, reviewers: dict) -> None:
    from masters import services

    steps = [
        (Master.Status.SUBMITTED, None, ""),
        (Master.Status.REVIEWED, "organizer", "材料真实有效，符合申报条件"),
        (Master.Status.SELECTED, "host", "经遴选会议研究，同意入选"),
        (Master.Status.CERTIFIED, "guide", "认证传承人及其传授技术，颁发传承人证书"),
    ]
    order = [s for s, _, _ in steps]
    for status, reviewer, reason in steps:
        if order.index(status) > order.index(until):
            return
        master.refresh_from_db()
        if master.status in order and order.index(master.status) >= order.index(status):
            continue
        if status == Master.Status.SUBMITTED:
            services.master_application_submit(master=master, actor=master.user)
        else:
            services.master_application_advance(master=master, actor=reviewers[reviewer], to=status, reason=reason)


def _png(title: str, colour: tuple[int, int, int]) -> bytes:
    """A small picture card with the title drawn in the CJK font (Pillow comes with WeasyPrint)."""
    from PIL import Image, ImageDraw, ImageFont

    from lib.pdf import cjk_font_path

    image = Image.new("RGB", (640, 360), (250, 246, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle([16, 16, 624, 344], outline=colour, width=6)
    for i in range(6):
        draw.ellipse([60 + i * 90, 200, 110 + i * 90, 250], fill=colour)
    font = ImageFont.truetype(str(cjk_font_path()), 36)
    draw.text((48, 70), title, fill=(40, 40, 40), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf(master: Master, title: str, specialty: str) -> bytes:
    from lib.pdf import render_pdf

    sections = [
        ("一、学术思想", f"{master.name}主张辨证与辨病相结合，{specialty}临证重视整体观念。"),
        ("二、常见病辨证要点", "望闻问切四诊合参，分虚实寒热，明标本缓急。"),
        ("三、带教要求", "师承人每周跟师随诊不少于两个半天，按月提交临证心得。"),
    ]
    return render_pdf("masters/pdf/material.html", {"title": title, "master": master, "sections": sections})


def _materials(master: Master, username: str) -> None:
    from masters import services

    if master.materials.exists():
        return
    user = master.user
    specialty = master.specialty.split("（")[0]
    items = [
        (
            "image",
            f"{specialty}示教图",
            "门诊带教示意。",
            SimpleUploadedFile("card.png", _png(f"{master.name} · {specialty}", (139, 26, 26))),
        ),
        ("textbook", TEXTBOOK[0].format(specialty=specialty), TEXTBOOK[1], None),
        ("protocol", PROTOCOL[0].format(specialty=specialty, year=2025), PROTOCOL[1], None),
    ]
    for kind, title, description, upload in items:
        if upload is None:
            upload = SimpleUploadedFile("doc.pdf", _pdf(master, title, specialty))
        material = services.master_material_add(
            master=master, actor=user, kind=kind, title=title, description=description, upload=upload
        )
        services.master_material_publish(material=material, actor=user, publish=True)
    if username in PRODUCTS:
        name, product_type, partners = PRODUCTS[username]
        product = services.master_material_add(
            master=master,
            actor=user,
            kind=MasterMaterial.Kind.PRODUCT,
            title=name,
            product_type=product_type,
            description="经多年临床验证的有效处方或诊疗方法。",
        )
        for kind, partner, cooperation in partners:
            services.material_partner_add(
                material=product, actor=user, kind=kind, name=partner, cooperation=cooperation
            )
        services.master_material_publish(material=product, actor=user, publish=True)


def load_demo_masters(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run."""
    from accounts.models import Membership, User
    from techniques.models import Technique

    reviewers = {key: User.objects.get(username=key) for key in ("organizer", "host", "guide")}
    published = list(Technique.objects.filter(status=Technique.Status.PUBLISHED).order_by("pk")[:12])
    for seq, (username, name, org_key, region, tier, title, specialty, since, birth, capacity, bio) in enumerate(
        CERTIFIED, start=1
    ):
        user = _user(username, name, region, orgs[org_key], Membership.Role.MASTER, seq)
        master = Master.objects.filter(user=user).order_by("pk").first()
        if master is None:
            master = _apply(user, name, orgs[org_key], region, tier, title, specialty, since, birth, capacity, bio)
            techniques = published[(seq - 1) * 2 : (seq - 1) * 2 + 2]
            if techniques:
                master.techniques.set(techniques)
        _advance(master, Master.Status.CERTIFIED, reviewers)
        _materials(master, username)
    for seq, (username, name, org_key, region, tier, title, specialty, since, birth, until) in enumerate(
        PENDING, start=20
    ):
        user = _user(username, name, region, orgs[org_key], Membership.Role.APPLICANT, seq)
        master = Master.objects.filter(user=user).order_by("pk").first()
        if master is None:
            master = _apply(user, name, orgs[org_key], region, tier, title, specialty, since, birth)
        if until != Master.Status.DRAFT:
            _advance(master, until, reviewers)
