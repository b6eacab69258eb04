"""Applications for tests, made through the real services."""

from __future__ import annotations

import datetime
import itertools

from accounts import services as accounts_services
from accounts.models import Membership, Region, User
from chuancheng.test import PASSWORD
from masters import services
from masters.models import Master, Tier, Title

TODAY = datetime.date(2026, 3, 1)
_seq = itertools.count(1)


def guide_reviewer(world) -> User:
    """The guiding unit has no persona: a reviewer there, for certification."""
    user = User.objects.filter(username="guide_reviewer").first()
    if user is None:
        user = accounts_services.user_create(
            username="guide_reviewer",
            password=PASSWORD,
            full_name="钱指导",
            region=world.guide.region,
            phone="13903599901",
            email="guide@example.cn",
        )
        accounts_services.membership_grant(user=user, organization=world.guide, role=Membership.Role.REVIEWER)
    return user


def applicant(world, full_name: str, code: str = "140802") -> User:
    n = next(_seq)
    user = accounts_services.user_create(
        username=f"applicant{n}",
        password=PASSWORD,
        full_name=full_name,
        region=Region.objects.get(code=code),
        phone=f"1390359{8000 + n:04d}",
        email=f"applicant{n}@example.cn",
    )
    accounts_services.membership_grant(user=user, organization=world.city_tcm, role=Membership.Role.MASTER)
    return user


def application_for(world, user: User | None = None, **fields) -> Master:
    user = user or world.zhang
    values = dict(
        tier=Tier.ZHIMING_TRADITIONAL,
        title=Title.CHIEF,
        specialty="针灸治疗中风后遗症",
        clinical_since=1995,
        birth_date=datetime.date(1968, 5, 1),
        organization=world.city_tcm,
        region=Region.objects.get(code="140802"),
        bio="从事中医临床三十年。",
    )
    values.update(fields)
    return services.master_application_create(actor=user, **values)


def certified(world, user: User | None = None, techniques=None, **fields) -> Master:
    master = application_for(world, user, techniques=techniques, **fields)
    services.master_application_submit(master=master, actor=master.user, today=TODAY)
    services.master_application_advance(master=master, actor=world.wang, to=Master.Status.REVIEWED, reason="材料属实")
    services.master_application_advance(master=master, actor=world.zhao, to=Master.Status.SELECTED, reason="同意入选")
    services.master_application_advance(
        master=master, actor=guide_reviewer(world), to=Master.Status.CERTIFIED, reason="认证"
    )
    master.refresh_from_db()
    return master
