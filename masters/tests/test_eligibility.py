import datetime

import pytest

from lib.errors import ApplicationError
from masters import services
from masters.models import Master, MasterExemption, Tier, Title
from masters.rules import RULES, check_master_eligibility, failing
from masters.tests.factories import TODAY, application_for
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def _failed_ids(master):
    return [r.rule_id for r in failing(check_master_eligibility(master, TODAY))]


def test_every_rule_carries_its_clause_of_the_programme():
    assert all(rule.clause for rule in RULES)
    assert [r.id for r in RULES if r.check] == ["MST-2.1", "MST-2.2", "MST-2.3"]


def test_a_qualified_zhiming_zhuanjia_passes_every_checkable_clause(world):
    master = application_for(world)
    results = check_master_eligibility(master, TODAY)
    assert _failed_ids(master) == []
    # What the system cannot check is left to the reviewers, and says so.
    assert [r.rule_id for r in results if r.passed is None] == ["MST-2.4", "MST-2.5", "MST-2.6"]


def test_it_rejects_a_zhiming_zhuanjia_under_forty_and_names_the_clause(world):
    master = application_for(world, birth_date=datetime.date(1990, 1, 1))
    assert _failed_ids(master) == ["MST-2.3"]
    with pytest.raises(ApplicationError) as exc:
        services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    assert "MST-2.3" in exc.value.message and "年龄在 40 岁以上" in exc.value.message and "36 岁" in exc.value.message
    master.refresh_from_db()
    assert master.status == Master.Status.DRAFT


def test_it_rejects_a_title_below_zhuzhi_yishi(world):
    master = application_for(world, title=Title.RESIDENT)
    assert _failed_ids(master) == ["MST-2.2"]


def test_it_rejects_fewer_than_ten_years_of_clinical_practice(world):
    master = application_for(world, clinical_since=2020)
    assert _failed_ids(master) == ["MST-2.1"]


def test_the_age_limit_counts_whole_years_on_the_day(world):
    master = application_for(world, birth_date=datetime.date(1986, 3, 2))
    assert _failed_ids(master) == ["MST-2.3"]  # 39 on 2026-03-01, 40 the day after
    assert failing(check_master_eligibility(master, datetime.date(2026, 3, 2))) == []


@pytest.mark.parametrize("tier", [Tier.GUOYI_DASHI, Tier.MINGLAO_ZHONGYI, Tier.ACADEMICIAN, Tier.SENIOR_EXPERT])
def test_the_other_tiers_apply_voluntarily_without_conditions(world, tier):
    master = application_for(
        world, tier=tier, title=Title.NONE, clinical_since=2024, birth_date=datetime.date(2000, 1, 1)
    )
    results = check_master_eligibility(master, TODAY)
    assert [r.passed for r in results] == [True]
    assert "自愿" in results[0].clause_text


def test_exemption_for_special_expertise_is_recorded_with_a_reason(world):
    master = application_for(
        world,
        title=Title.RESIDENT,
        birth_date=datetime.date(1990, 1, 1),
        exemption_requested=True,
        exemption_claim="独创腹针疗法，获省科技进步奖",
    )
    with pytest.raises(ApplicationError):
        services.master_exemption_decide(master=master, actor=world.wang, granted=True, reason="  ")
    exemption = services.master_exemption_decide(
        master=master, actor=world.wang, granted=True, reason="腹针疗法为行业公认的特殊专长"
    )
    assert MasterExemption.objects.get() == exemption and exemption.decided_by == world.wang
    assert AuditEntry.objects.filter(
        object_id=str(master.pk), to_state="同意特殊专长豁免", reason="腹针疗法为行业公认的特殊专长", actor=world.wang
    ).exists()
    results = {r.rule_id: r for r in check_master_eligibility(master, TODAY)}
    assert results["MST-2.2"].passed and results["MST-2.3"].passed
    assert "特殊专长豁免" in results["MST-2.3"].detail and "王审核" in results["MST-2.3"].detail
    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    master.refresh_from_db()
    assert master.status == Master.Status.SUBMITTED


def test_an_exemption_does_not_cover_clinical_experience(world):
    master = application_for(world, clinical_since=2020, exemption_requested=True)
    services.master_exemption_decide(master=master, actor=world.wang, granted=True, reason="特殊贡献")
    assert _failed_ids(master) == ["MST-2.1"]


def test_a_refused_exemption_leaves_the_clause_failing(world):
    master = application_for(world, birth_date=datetime.date(1990, 1, 1), exemption_requested=True)
    services.master_exemption_decide(master=master, actor=world.wang, granted=True, reason="初步同意")
    services.master_exemption_decide(master=master, actor=world.wang, granted=False, reason="复核后认为专长证明不足")
    assert _failed_ids(master) == ["MST-2.3"]


def test_only_the_organizing_units_reviewer_decides_exemptions(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    master = application_for(world, exemption_requested=True)
    with pytest.raises(PermissionDenied):
        services.master_exemption_decide(master=master, actor=world.zhao, granted=True, reason="x")
    with pytest.raises(Http404):  # another county's office does not reach it at all
        services.master_exemption_decide(master=master, actor=world.zhou, granted=True, reason="x")
    with pytest.raises(PermissionDenied):  # nor does the applicant decide their own
        services.master_exemption_decide(master=master, actor=world.zhang, granted=True, reason="x")
