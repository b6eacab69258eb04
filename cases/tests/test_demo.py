"""The demo loader: the demo master 张德润 gets a few hundred classic-formula cases, a saved
analysis and a published protocol; his apprentice's cases show a fidelity trend; running it again
changes nothing."""

import datetime

from accounts import services as accounts_services
from accounts.models import Membership, Region
from cases.demo import APPRENTICE_CASES, MASTER_CASES, load_demo_cases
from cases.models import Analysis, CaseRecord, Protocol, Visit
from cases.selectors import fidelity_for, published_protocols
from cases.tests.factories import apprenticeship_of
from chuancheng.test import PASSWORD
from masters.tests.factories import certified


def test_the_demo_master_gets_cases_an_analysis_and_a_protocol_once(world):
    master = accounts_services.user_create(
        username="master", password=PASSWORD, full_name="张德润", region=Region.objects.get(code="140802"),
        phone="13903590001", email="master@example.cn",
    )  # fmt: skip
    accounts_services.membership_grant(user=master, organization=world.city_tcm, role=Membership.Role.MASTER)
    relation = apprenticeship_of(world, master=certified(world, master))
    relation.starts_on = datetime.date.today() - datetime.timedelta(days=200)
    relation.save(update_fields=["starts_on"])

    load_demo_cases({})
    visits = Visit.objects.filter(case__owner=master)
    assert visits.count() == MASTER_CASES and 150 < CaseRecord.objects.filter(owner=master).count() <= MASTER_CASES
    assert not visits.filter(flagged=True).exists()
    analysis = Analysis.objects.get(subject=master, disease="")
    assert analysis.transactions == MASTER_CASES and len(analysis.results["combinations"]) >= 2
    assert published_protocols(master).count() == 1
    fidelity = fidelity_for(master=relation.master, apprentice=world.liming)
    assert len(fidelity.cases) > APPRENTICE_CASES // 2 and fidelity.trend

    load_demo_cases({})
    assert Visit.objects.filter(case__owner=master).count() == MASTER_CASES
    assert Protocol.objects.count() == 1 and Analysis.objects.filter(subject=master, disease="").count() == 1
    assert CaseRecord.objects.filter(owner=world.liming).count() == len(
        {c.case_id for c in fidelity_for(master=relation.master, apprentice=world.liming).cases}
    )


def test_without_the_demo_master_nothing_is_loaded(world):
    load_demo_cases({})
    assert not CaseRecord.objects.exists()
