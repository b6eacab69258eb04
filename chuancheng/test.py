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
    admin           a superuser
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

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
    admin: User

    PERSONAS = ("zhang", "liming", "wang", "zhao", "chen", "sun", "zhou", "yang", "guo", "admin")


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
    workstation = _org("项目永济工作站", Kind.WORKSTATION, "140881", host=host, filed_with=guide)
    people = dict(
        zhang=_person("zhang", "张医生", "140802", [(city_tcm, Role.MASTER)], 11),
        liming=_person("liming", "李明", "140881", [(yongji_tcm, Role.APPRENTICE)], 13),
        wang=_person("wang", "王审核", "140802", [(organizer, Role.REVIEWER)], 15),
        zhao=_person("zhao", "赵主任", "110105", [(host, Role.UNIT_ADMIN), (host, Role.REVIEWER)], 17),
        chen=_person("chen", "陈专家", "140802", [(city_tcm, Role.EXPERT)], 19),
        sun=_person("sun", "孙科员", "140802", [(yanhu_health, Role.OFFICE_STAFF)], 21),
        zhou=_person("zhou", "周科员", "140881", [(yongji_health, Role.OFFICE_STAFF)], 23),
        yang=_person("yang", "杨主任", "140802", [(city_health, Role.OFFICE_STAFF), (city_health, Role.UNIT_ADMIN)], 25),
        guo=_person("guo", "郭秀兰", village.code, [(village_clinic, Role.HOLDER)], 27),
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
        workstation=workstation,
        admin=admin,
        **people,
    )


def ensure_regions() -> None:
    """Transactional tests (live server, browser) empty every table afterwards, the regions that
    migration accounts/0002 loaded included. Put them back when they are gone."""
    if not Region.objects.exists():
        from django.apps import apps

        importlib.import_module("accounts.migrations.0002_load_regions").load(apps, None)


def login_request() -> HttpRequest:
    """django-axes needs a request to authenticate; Client.login() passes this one."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return request
