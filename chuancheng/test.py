"""Named personas for tests, built once per test through the real services.

张医生  zhang   a master at 运城市中医医院 (盐湖区)
李明    liming  an apprentice at 永济市中医医院
王审核  wang    reviewer at the organizing unit 运城市中医药传承发展中心
赵主任  zhao    unit admin and reviewer at the host unit
陈专家  chen    an expert at 运城市中心医院
孙科员  sun     office staff of 盐湖区卫生健康局 (county staff)
周科员  zhou    office staff of 永济市卫生健康局 — the outsider from another county
杨主任  yang    office staff of 运城市卫生健康委员会 (city staff)
郭秀兰  guo     a technique holder at a village clinic in 临猗县
林干事  lin     office staff of a township health centre in 盐湖区 (receives declarations)
admin           a superuser
"""

from __future__ import annotations

import importlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.http import HttpRequest

from accounts import services
from accounts.models import Membership, Organization, Region, User
from chuancheng.demo import demo_id_number

PASSWORD = "Persona-pass-2026"
Role = Membership.Role
Kind = Organization.Kind


@dataclass
class World:
    guide: Organization
    host: Organization
    organizer: Organization
    city_health: Organization
    yanhu_health: Organization
    yongji_health: Organization
    city_tcm: Organization
    yongji_tcm: Organization
    village_clinic: Organization
    township_centre: Organization
    workstation: Organization  # pending the host unit's approval, in 永济市
    zhang: User
    liming: User
    wang: User
    zhao: User
    chen: User
    sun: User
    zhou: User
    yang: User
    guo: User
    lin: User
    admin: User

    PERSONAS = ("zhang", "liming", "wang", "zhao", "chen", "sun", "zhou", "yang", "guo", "lin", "admin")


def _org(name: str, kind: str, code: str, **extra) -> Organization:
    return services.organization_create(name=name, kind=kind, region=Region.objects.get(code=code), **extra)


def _person(username: str, full_name: str, code: str, memberships: list[tuple[Organization, str]], seq: int) -> User:
    user = services.user_create(
        username=username,
        password=PASSWORD,
        full_name=full_name,
        region=Region.objects.get(code=code),
        phone=f"1390359{seq:04d}",
        email=f"{username}@example.cn",
        id_number=demo_id_number(code, "19800101", seq),
    )
    for organization, role in memberships:
        services.membership_grant(user=user, organization=organization, role=role)
    return user


def build_world() -> World:
    guide = _org("国家卫生健康委科技发展中心", Kind.GUIDING, "110108")
    host = _org("中国民间中医医药研究开发协会", Kind.HOST, "110105")
    organizer = _org("运城市中医药传承发展中心", Kind.ORGANIZING, "140802")
    city_health = _org("运城市卫生健康委员会", Kind.GOVERNMENT, "140800", department="health")
    yanhu_health = _org("盐湖区卫生健康局", Kind.GOVERNMENT, "140802", department="health")
    yongji_health = _org("永济市卫生健康局", Kind.GOVERNMENT, "140881", department="health")
    city_tcm = _org("运城市中医医院", Kind.MEDICAL, "140802")
    yongji_tcm = _org("永济市中医医院", Kind.MEDICAL, "140881")
    village = Region.objects.filter(prefix__startswith="140821", level=Region.Level.VILLAGE).order_by("code").first()
    village_clinic = _org(f"{village.name}卫生室", Kind.MEDICAL, village.code)
    township = Region.objects.filter(parent_id="140802", level=Region.Level.TOWNSHIP).order_by("code").first()
    township_centre = _org(f"{township.name}卫生院", Kind.MEDICAL, township.code)
    workstation = _org("项目永济工作站", Kind.WORKSTATION, "140881", host=host, filed_with=guide)
    people = dict(
        zhang=_person("zhang", "张医生", "140802", [(city_tcm, Role.MASTER)], 11),
        liming=_person("liming", "李明", "140881", [(yongji_tcm, Role.APPRENTICE)], 13),
        wang=_person("wang", "王审核", "140802", [(organizer, Role.REVIEWER)], 15),
        zhao=_person("zhao", "赵主任", "110105", [(host, Role.UNIT_ADMIN), (host, Role.REVIEWER)], 17),
        chen=_person("chen", "陈专家", "140802", [(city_tcm, Role.EXPERT)], 19),
        sun=_person("sun", "孙科员", "140802", [(yanhu_health, Role.OFFICE_STAFF)], 21),
        zhou=_person("zhou", "周科员", "140881", [(yongji_health, Role.OFFICE_STAFF)], 23),
        yang=_person(
            "yang", "杨主任", "140802", [(city_health, Role.OFFICE_STAFF), (city_health, Role.UNIT_ADMIN)], 25
        ),
        guo=_person("guo", "郭秀兰", village.code, [(village_clinic, Role.HOLDER)], 27),
        lin=_person("lin", "林干事", township.code, [(township_centre, Role.OFFICE_STAFF)], 29),
    )
    admin = User.objects.create_superuser(username="admin", password=PASSWORD, email="admin@example.cn")
    return World(
        guide=guide,
        host=host,
        organizer=organizer,
        city_health=city_health,
        yanhu_health=yanhu_health,
        yongji_health=yongji_health,
        city_tcm=city_tcm,
        yongji_tcm=yongji_tcm,
        village_clinic=village_clinic,
        township_centre=township_centre,
        workstation=workstation,
        admin=admin,
        **people,
    )


def ensure_regions() -> None:
    """Transactional tests (live server, browser) empty every table afterwards, the reference data
    that migrations loaded (regions, vocabularies) included. Put it back when it is gone."""
    from django.apps import apps

    from techniques.models import Term

    if not Region.objects.exists():
        importlib.import_module("accounts.migrations.0002_load_regions").load(apps, None)
    if not Term.objects.exists():
        importlib.import_module("techniques.migrations.0002_load_vocabularies").load(apps, None)


def login_request() -> HttpRequest:
    """django-axes needs a request to authenticate; Client.login() passes this one."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return request


def declaration_for(actor: User, region: Region | None = None, *, submit: bool = False, **fields):
    """A complete declaration of a real kind of folk technique, entered online by `actor`."""
    from techniques import services
    from techniques.models import Term

    region = region or Region.objects.filter(parent_id="140821", level=Region.Level.TOWNSHIP).order_by("code").first()
    values = dict(
        name="郭氏小儿推拿治疗积滞",
        region=region,
        category=Term.objects.get(vocabulary="category", name="小儿推拿"),
        inheritance=Term.objects.get(vocabulary="inheritance", name="家族传承"),
        origin_history="清光绪年间郭氏先祖行医乡里，传承五代。",
        theory_features="以健脾和胃、消食导滞为法，手法轻快柔和。",
        operation_method="补脾经三百次，清大肠二百次，揉板门一百次，摩腹五分钟，捏脊三至五遍。",
        contraindications="皮肤破损、急性传染病患儿禁用。",
        typical_cases="患儿五岁，食积腹胀三日，推拿三次而愈。",
        consent_publish=True,
        consent_research=True,
    )
    values.update(fields)
    diseases = list(Term.objects.filter(vocabulary="disease", name__in=["积滞", "厌食"]))
    technique = services.technique_create(actor=actor, diseases=diseases, **values)
    if submit:
        services.technique_submit(technique=technique, actor=actor)
        technique.refresh_from_db()
    return technique


def second_factor_code(user: User) -> str:
    """What the person's authenticator shows now (accounts/mfa.py), computed from their device as
    the app on their phone would. A code already spent in this half-minute is refused by the
    device, so the next half-minute's (within the device's tolerance) is used, and past that one
    of the person's recovery codes."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()  # the device's own count of half-minutes, its drift included
    wanted = max(now, device.last_t + 1)
    if wanted > now + device.tolerance:
        return StaticToken.objects.filter(device__user=user).values_list("token", flat=True).first()
    totp.time = (wanted - device.drift) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"


def browser_second_factor(page, username: str) -> None:
    """After the password step in a browser: for someone who needs two factors, bind the
    authenticator on first sign-in (then continue past the recovery codes) or type its code."""
    import re

    from accounts.mfa import mfa_required

    user = User.objects.get(username=username)
    if not mfa_required(user):
        return
    page.wait_for_url(re.compile(r"/accounts/mfa/"))
    first_time = "/setup/" in page.url
    page.locator("#id_code").fill(second_factor_code(user))
    page.locator("main").get_by_role("button").first.click()
    if first_time:
        page.get_by_role("link", name="我已保存，继续").click()


# --- the database's owner, for tests that play it (chuancheng/testdb.py) -------------------------


@contextmanager
def as_table_owner():
    """Run the block's SQL as the tables' owner: what an attacker with the owner's password (or a
    DBA) could do, which the application's runtime role cannot. When the suite runs as the runtime
    role (TEST_OWNER_ROLE set), this is SET ROLE for the block and back to the runtime role
    after; on SQLite or as a superuser there is nothing to switch."""
    from django.db import DatabaseError, connection

    owner = os.environ.get("TEST_OWNER_ROLE")
    if not owner or connection.vendor != "postgresql":
        yield
        return
    runtime = connection.settings_dict["OPTIONS"].get("assume_role") or "NONE"
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{owner}"')
    back = f'SET ROLE "{runtime}"' if runtime != "NONE" else "RESET ROLE"
    try:
        yield
    except BaseException:
        # A refused statement has aborted the transaction: its rollback (to the savepoint the
        # SET ROLE was made in) takes the role back; a statement now would only fail.
        try:
            with connection.cursor() as cursor:
                cursor.execute(back)
        except DatabaseError:
            pass
        raise
    with connection.cursor() as cursor:
        cursor.execute(back)


def admin_conninfo() -> dict:
    """psycopg keyword arguments for a superuser connection to the test server (creating and
    dropping scratch databases, running the roles script): TEST_ADMIN_DATABASE_URL when the suite
    runs as the runtime role, else the suite's own connection."""
    from django.db import connection

    url = os.environ.get("TEST_ADMIN_DATABASE_URL")
    if url:
        parts = urlsplit(url)
        return {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password) if parts.password else None,
        }
    params = connection.settings_dict
    return {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
