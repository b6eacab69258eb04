"""The demo world: real regions and real Yuncheng institutions, one demo account per role.

`python manage.py load_demo` builds it; running it again changes nothing (every object is looked
up by its natural key first). Personal data here is invented and the ID numbers, while valid by
GB 11643, belong to nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from accounts import services
from accounts.models import Membership, Organization, Region, User
from lib.identifiers import resident_id_check_char

DEMO_PASSWORD = "Shennong-2026!"

Kind = Organization.Kind
Dept = Organization.Department
Role = Membership.Role


def demo_id_number(region_code: str, birth: str, seq: int) -> str:
    first17 = f"{region_code[:6]}{birth}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def demo_person(
    *, username: str, name: str, region: str, phone: str, birth: str, serial: int, memberships: list
) -> User:
    """A person of the demo, registered through the real service the first time (with an ID
    number of the right shape for the region and birth date, YYYYMMDD) and given each
    (organization, role) of `memberships`; grants are idempotent, so loaders call this on every
    start of make run."""
    from accounts import services as accounts_services
    from accounts.models import Region

    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts_services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=name,
            region=Region.objects.get(code=region),
            phone=phone,
            email=f"{username}@demo.example.cn",
            id_number=demo_id_number(region, birth, serial),
        )
    for organization, role in memberships:
        accounts_services.membership_grant(user=user, organization=organization, role=role)
    return user


# (username, full name, region, [(organization key, role)], birth date) — one account per role
# that issue 2 names, plus a few colleagues so that lists and scopes have something to show.
ACCOUNTS = [
    ("guide", "刘建国", "110102", [("guide", Role.UNIT_ADMIN), ("guide", Role.REVIEWER)], "19700315"),
    ("host", "赵振华", "110105", [("host", Role.UNIT_ADMIN), ("host", Role.REVIEWER)], "19720908"),
    ("organizer", "王淑芬", "140802", [("organizer", Role.REVIEWER), ("organizer", Role.OFFICE_STAFF)], "19800612"),
    ("master", "张德润", "140802", [("city_tcm", Role.MASTER)], "19550121"),
    ("apprentice", "李明", "140881", [("yongji_tcm", Role.APPRENTICE), ("yongji_tcm", Role.APPLICANT)], "19900806"),
    ("expert", "陈立新", "140802", [("city_central", Role.EXPERT)], "19680430"),
    ("holder", "郭秀兰", "140821", [("linyi_clinic", Role.HOLDER)], "19621117"),
    ("county", "孙志强", "140802", [("yanhu_health", Role.OFFICE_STAFF)], "19850223"),
    ("cityoffice", "杨慧敏", "140802", [("city_health", Role.OFFICE_STAFF)], "19820719"),
    ("yongji", "周海涛", "140881", [("yongji_health", Role.OFFICE_STAFF)], "19870305"),
    ("master2", "薛荣昌", "140882", [("hejin_tcm", Role.MASTER)], "19581009"),
    # The hospital's own administrator: confirms the people who name it when they register
    # themselves (issue 12 §1), so that step can be shown in the demo.
    ("hospital", "韩立群", "140802", [("city_tcm", Role.UNIT_ADMIN)], "19750518"),
]


def _region(code: str) -> Region:
    return Region.objects.get(code=code)


def _org(name: str, kind: str, region_code: str, **extra) -> Organization:
    existing = Organization.objects.filter(name=name, region_id=region_code).first()
    if existing:
        return existing
    return services.organization_create(name=name, kind=kind, region=_region(region_code), **extra)


def _first_child(code: str, level: str) -> Region:
    return Region.objects.filter(parent_id=code, level=level).order_by("code").first()


@transaction.atomic
def load_demo(*, techniques: int = 320) -> dict[str, Organization]:
    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("load_demo 不能在生产环境运行（CHUANCHENG_ENV=production）")

    orgs: dict[str, Organization] = {}
    orgs["guide"] = _org("国家卫生健康委科技发展中心", Kind.GUIDING, "110108")
    orgs["host"] = _org("中国民间中医医药研究开发协会", Kind.HOST, "110105")
    orgs["supporting"] = _org("山西省中医药管理局", Kind.SUPPORTING, "140105")
    orgs["organizer"] = _org("运城市中医药传承发展中心", Kind.ORGANIZING, "140802")

    # The city's departments named in 003 §五 (组织保障).
    for key, dept in [
        ("city_health", Dept.HEALTH),
        ("city_finance", Dept.FINANCE),
        ("city_science", Dept.SCIENCE),
        ("city_industry", Dept.INDUSTRY_IT),
        ("city_culture", Dept.CULTURE_TOURISM),
        ("city_market", Dept.MARKET_REGULATION),
        ("city_insurance", Dept.MEDICAL_INSURANCE),
    ]:
        orgs[key] = _org(f"运城市{Dept(dept).label}", Kind.GOVERNMENT, "140800", department=dept)

    # Each county-level division's health bureau, so every county has staff to scope.
    for county in Region.objects.filter(parent_id="140800").order_by("code"):
        key = {"140802": "yanhu_health", "140881": "yongji_health"}.get(county.code, f"health_{county.code}")
        orgs[key] = _org(f"{county.name}卫生健康局", Kind.GOVERNMENT, county.code, department=Dept.HEALTH)

    # Medical institutions at every level: city, county, township, village.
    orgs["city_tcm"] = _org("运城市中医医院", Kind.MEDICAL, "140802")
    orgs["city_central"] = _org("运城市中心医院", Kind.MEDICAL, "140802")
    orgs["yongji_tcm"] = _org("永济市中医医院", Kind.MEDICAL, "140881")
    orgs["hejin_tcm"] = _org("河津市中医医院", Kind.MEDICAL, "140882")
    orgs["linyi_tcm"] = _org("临猗县中医医院", Kind.MEDICAL, "140821")
    for county_code in ("140802", "140821", "140881"):
        township = _first_child(county_code, Region.Level.TOWNSHIP)
        orgs[f"township_{county_code}"] = _org(f"{township.name}卫生院", Kind.MEDICAL, township.code)
        village = _first_child(township.code, Region.Level.VILLAGE)
        name = village.name.removesuffix("村民委员会").removesuffix("居民委员会").removesuffix("委员会")
        orgs[f"village_{county_code}"] = _org(f"{name}卫生室", Kind.MEDICAL, village.code)
    orgs["linyi_clinic"] = orgs["village_140821"]

    # Workstations set up with the host unit's approval and filed with the guiding unit: one
    # approved, one still waiting for the host unit (it shows on the host's workbench).
    station = _org(
        "全国卫生健康技术推广传承应用项目运城工作站",
        Kind.WORKSTATION,
        "140802",
        host=orgs["host"],
        filed_with=orgs["guide"],
    )
    admin = _superuser()
    if station.status == Organization.Status.PENDING:
        services.workstation_decide(workstation=station, actor=admin, approve=True, reason="材料齐全，同意设立")
    orgs["workstation"] = station
    orgs["workstation_pending"] = _org(
        "全国卫生健康技术推广传承应用项目永济工作站",
        Kind.WORKSTATION,
        "140881",
        host=orgs["host"],
        filed_with=orgs["guide"],
    )

    for seq, (username, full_name, region_code, roles, birth) in enumerate(ACCOUNTS, start=1):
        demo_person(
            username=username,
            name=full_name,
            region=region_code,
            phone=f"139{region_code[2:6]}{seq:04d}",
            birth=birth,
            serial=seq * 2 + 1,
            memberships=[(orgs[key], role) for key, role in roles],
        )

    _registered_newcomer(orgs)

    from chuancheng.demo_techniques import demo_county_staff, load_demo_technique_files, load_demo_techniques

    demo_county_staff()
    load_demo_techniques(count=techniques)
    load_demo_technique_files()
    # Each programme's demo, in the order their data depends on each other; each loader is
    # idempotent (make run calls load_demo on every start).
    for loader in DEMO_LOADERS:
        import_string(loader)(orgs)
    _duty_accounts()
    _demo_second_factors()
    return orgs


def _registered_newcomer(orgs: dict[str, Organization]) -> None:
    """Someone who registered themselves (issue 12 §1) and named 运城市中医医院: their membership
    waits for the hospital's administrator (`hospital`), as every self-registered one does."""
    from accounts.models import MembershipRequest

    user = demo_person(
        username="newcomer",
        name="吕文博",
        region="140802",
        phone="13903590888",
        birth="19960211",
        serial=91,
        memberships=[],
    )
    if not MembershipRequest.objects.filter(user=user).exists():
        services.membership_request_create(user=user, organization=orgs["city_tcm"], role=Role.APPLICANT)


# The three separated duties (三权分立, accounts/duties.py), one account each.
DUTY_ACCOUNTS = [
    ("sysadmin", "刘运维", "system"),
    ("secadmin", "钱安全", "security"),
    ("auditor", "孔审计", "audit"),
]
# Everyone who signs in with two factors (accounts/mfa.py) gets an authenticator bound to this
# published demo key, so the demo can be tried without binding a phone first; `manage.py
# demo_code` prints its current code. A demo key, never used outside load_demo.
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"


def demo_key_base32() -> str:
    from base64 import b32encode

    return b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def _duty_accounts() -> None:
    for username, full_name, duty in DUTY_ACCOUNTS:
        if not User.objects.filter(username=username).exists():
            User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                email=f"{username}@demo.example.cn",
                is_staff=True,
                admin_duty=duty,
            )


def _demo_second_factors() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.mfa import mfa_required

    bound = set(TOTPDevice.objects.values_list("user_id", flat=True))
    for user in User.objects.filter(is_active=True).exclude(pk__in=bound).prefetch_related("memberships"):
        if mfa_required(user):
            TOTPDevice.objects.create(user=user, name="演示验证器", key=DEMO_TOTP_KEY, confirmed=True)


DEMO_LOADERS = [
    "masters.demo.load_demo_masters",
    "apprenticeships.demo.load_demo_apprenticeships",
    "teaching.demo.load_demo_teaching",
    "evaluations.demo.load_demo_evaluations",
    "cases.demo.load_demo_cases",
    "lineage.demo.load_demo_lineage",
]


def _superuser() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            username="admin", password=DEMO_PASSWORD, email="admin@demo.example.cn", full_name="系统管理员"
        )
    return admin


DEMO_ROLES = {
    "admin": "安装用超级管理员（应急封存账号：运行平台、授予角色，不能查看审计日志）",
    "sysadmin": "系统管理员（单位、地区、词表等后台数据；不能授予角色，不能查看审计日志）",
    "secadmin": "安全管理员（授予和撤销角色、令牌、锁定；不能查看审计日志）",
    "auditor": "审计管理员（只读查看和导出审计日志、登录日志）",
    "guide": "指导单位 · 单位管理员、审核人员（认证传承人、颁发传承人证书）",
    "host": "主办单位 · 单位管理员、审核人员（批准师承申请、同意带教计划、颁发结业证书）",
    "organizer": "承办单位 · 审核人员（审核传承人与师承申请材料）",
    "master": "传承人 张德润（名老中医 · 运城市中医医院；带教、确认学时、结业考核、病案挖掘）",
    "master2": "传承人 薛荣昌（知名专家 · 河津市中医医院）",
    "master3": "传承人 王秀珍（国医大师 · 永济市中医医院）",
    "master4": "传承人 李振东（院士和突出贡献专家 · 临猗县中医医院）",
    "master5": "传承人 孙立平（资深专家 · 运城市中心医院）",
    "master6": "传承人 卫红梅（知名专家 · 永济市中医医院）",
    "apprentice": "师承人 李明（永济市中医医院；师承学习中）",
    "expert": "评估专家 陈立新（运城市中心医院；另有 expert_wdm 等七位专家）",
    "holder": "技术持有人（临猗县村卫生室）",
    "county": "盐湖区卫生健康局 · 办公室工作人员",
    "yongji": "永济市卫生健康局 · 办公室工作人员",
    "cityoffice": "运城市卫生健康委员会 · 办公室工作人员（技术入库、词表、价值评估）",
}
DEMO_EMAIL_DOMAIN = "@demo.example.cn"


def demo_accounts() -> list[tuple[str, str]]:
    """(username, what the account is) of every account the demo made, that signs in with
    DEMO_PASSWORD: the named roles first, then everyone else the programmes' loaders made
    (master3…master6, the other experts, applicants, each county's staff), by their memberships."""
    from django.db.models import Prefetch

    users = (
        User.objects.filter(email__endswith=DEMO_EMAIL_DOMAIN, is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("organization")))
        .order_by("username")
    )
    described = {}
    for user in users:
        if not user.has_usable_password():
            continue
        roles = "、".join(f"{m.organization.name} {m.get_role_display()}" for m in user.memberships.all())
        described[user.username] = " · ".join(part for part in (user.full_name, roles) if part)
    named = [(username, str(role)) for username, role in DEMO_ROLES.items() if username in described]
    return named + [(username, text) for username, text in described.items() if username not in DEMO_ROLES]


# Printed after the accounts: pages worth opening first.
DEMO_PAGES = {
    "/verify/CC-DEMO-0001/?c=CCDEM00001": "有效的师承结业证书",
    "/verify/CC-DEMO-0002/?c=CCDEM00002": "已撤销的师承结业证书",
    "/masters/": "名医名录（六个层级的传承人）",
    "/techniques/": "优势技术名录",
}
