"""Demo data of the apprenticeships app, loaded by chuancheng.demo.load_demo (make run): an
application at every stage and several signed, active apprenticeships, all made through the
services, so the audit trail, notifications and to-dos are what real use would leave."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Region, User
from apprenticeships import services
from apprenticeships.models import ApprenticeApplication, Document, Match, Term
from masters.models import Master, Tier, Title

Status = ApprenticeApplication.Status

# Masters made here only when masters.demo has not certified any (each loader must stand alone).
FALLBACK_MASTERS = [
    ("master", Tier.MINGLAO_ZHONGYI, Title.CHIEF, "针灸治疗中风后遗症、面瘫", "city_tcm", "140802", 1978, "19550121"),
    (
        "master2",
        Tier.ZHIMING_TRADITIONAL,
        Title.CHIEF,
        "中医内科脾胃病、小儿推拿",
        "hejin_tcm",
        "140882",
        1982,
        "19581009",
    ),
]

# (username, name, region, unit key, title, specialty, term, master index, stage)
APPRENTICES = [
    ("apprentice", "李明", "140881", "yongji_tcm", Title.ATTENDING, "针灸治疗中风后遗症", Term.ONE_YEAR, 0, "signed"),
    ("wuhaifeng", "吴海峰", "140882", "hejin_tcm", Title.RESIDENT, "脾胃病中医调理", Term.HALF_YEAR, 1, "signed"),
    ("zhengyaqin", "郑雅琴", "140802", "city_central", Title.ATTENDING, "针刺治疗面瘫", Term.THREE_YEARS, 0, "signed"),
    ("zhouwenbo", "周文博", "140821", "linyi_tcm", Title.RESIDENT, "小儿推拿治疗积滞", Term.ONE_YEAR, 1, "matched"),
    (
        "yanglihua",
        "杨丽华",
        "140881",
        "yongji_tcm",
        Title.ATTENDING,
        "针灸治疗颈肩腰腿痛",
        Term.ONE_YEAR,
        0,
        "proposed",
    ),
    (
        "zhaojianjun",
        "赵建军",
        "140802",
        "city_tcm",
        Title.ATTENDING,
        "中风后遗症康复针刺",
        Term.THREE_YEARS,
        0,
        "vetted",
    ),
    ("chenjing", "陈静", "140821", "linyi_tcm", Title.RESIDENT, "小儿脾胃病推拿", Term.HALF_YEAR, 1, "returned"),
    ("liuzhiyuan", "刘志远", "140882", "hejin_tcm", Title.ATTENDING, "针灸治疗失眠", Term.ONE_YEAR, 0, "submitted"),
    ("wangxiaoyan", "王晓燕", "140802", "city_central", Title.RESIDENT, "脾胃病膏方调理", Term.ONE_YEAR, 1, "draft"),
]

_pdf_cache: dict[str, bytes] = {}


def _document(kind: str) -> SimpleUploadedFile:
    from lib.pdf import render_pdf

    if kind not in _pdf_cache:
        _pdf_cache[kind] = render_pdf("apprenticeships/demo_document_pdf.html", {"kind": Document(kind).label})
    return SimpleUploadedFile(f"{Document(kind).label}.pdf", _pdf_cache[kind], content_type="application/pdf")


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _certified_masters(orgs: dict) -> list[Master]:
    masters = list(Master.objects.filter(status=Master.Status.CERTIFIED).select_related("user").order_by("pk")[:20])
    by_user = {m.user.username: m for m in masters}
    if "master" in by_user and "master2" in by_user:
        return [by_user["master"], by_user["master2"]] + [
            m for m in masters if m.user.username not in ("master", "master2")
        ]
    if len(masters) >= 2:
        return masters
    from masters import services as master_services

    made = []
    for username, tier, title, specialty, unit, region, since, birth in FALLBACK_MASTERS:
        user = _user(username)
        master = Master.objects.filter(user=user).first()
        if master is None:
            master = master_services.master_application_create(
                actor=user,
                tier=tier,
                title=title,
                specialty=specialty,
                clinical_since=since,
                birth_date=datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
                organization=orgs[unit],
                region=Region.objects.get(code=region),
                bio="从事中医临床四十余年，擅长" + specialty + "。",
            )
            master_services.master_application_submit(master=master, actor=user)
            for actor, to in (("organizer", "reviewed"), ("host", "selected"), ("guide", "certified")):
                master_services.master_application_advance(master=master, actor=_user(actor), to=to, reason="材料属实")
            master.refresh_from_db()
        made.append(master)
    return made


def load_demo_apprenticeships(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run; a person who has an application is
    left as they are."""
    masters = _certified_masters(orgs)
    for seq, (username, name, region, unit, title, specialty, term, master_index, stage) in enumerate(APPRENTICES):
        from chuancheng.demo import demo_person

        user = demo_person(
            username=username,
            name=name,
            region=region,
            phone=f"1380359{seq + 1:04d}",
            birth=f"199{seq}0315",
            serial=200 + seq,
            memberships=[(orgs[unit], Membership.Role.APPRENTICE)],
        )
        if ApprenticeApplication.objects.filter(applicant=user).exists():
            continue
        _walk(user, masters[master_index % len(masters)], orgs[unit], region, title, specialty, term, stage)


def _walk(user, master, organization, region, title, specialty, term, stage) -> None:
    organizer, host = _user("organizer"), _user("host")
    application = services.apprentice_application_create(
        actor=user,
        masters=[master],
        organization=organization,
        region=Region.objects.get(code=region),
        title=title,
        specialty=specialty,
        intention=f"系统学习{master.name}老师的{master.specialty}经验",
        term=term,
    )
    for kind in (Document.RESUME, Document.DEGREE, Document.QUALIFICATION, Document.TITLE):
        services.apprentice_document_add(application=application, actor=user, kind=kind, upload=_document(kind))
    if stage == "draft":
        return
    services.apprentice_application_submit(application=application, actor=user)
    if stage == "submitted":
        return
    documents = services.current_documents(application)
    verdicts = {d.pk: ("accepted", "") for d in documents}
    if stage == "returned":
        degree = next(d for d in documents if d.kind == Document.DEGREE)
        verdicts[degree.pk] = ("returned", "学历证书扫描件缺少毕业证编号一页，请补充完整后重新上传")
        services.apprentice_application_vet(
            application=application, actor=organizer, verdicts=verdicts, comment="其余材料核验属实"
        )
        return
    services.apprentice_application_vet(
        application=application, actor=organizer, verdicts=verdicts, comment="材料真实有效"
    )
    if stage == "vetted":
        return
    services.apprentice_application_approve(
        application=application, actor=host, to=Status.APPROVED, reason="同意确定为师承人"
    )
    match = application.matches.filter(status=Match.Status.PROPOSED).first()
    if match is None:
        match = services.apprentice_match_propose(application=application, master=master, actor=organizer)
    if stage == "proposed":
        return
    services.apprentice_match_decide(match=match, actor=master.user, accept=True, reason="同意带教")
    services.apprentice_contract_sign(match=match, actor=user)
    if stage == "matched":
        return
    services.apprentice_contract_sign(match=match, actor=master.user)
