"""Matching and the contract (APP-4): the master accepts or declines; both sign; the
apprenticeship exists."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apprenticeships import selectors, services
from apprenticeships.models import Apprenticeship, ContractSignature, Match
from apprenticeships.tests.factories import PNG, a_master, approved_for, live_match, pdf, vetted_for, zhang_master
from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _text_of(match) -> str:
    with match.contract.open("rb") as f:
        data = f.read()
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_zhang_accepts_both_sign_and_the_apprenticeship_exists(world):
    master = zhang_master(world)
    application = approved_for(world, [master], term="half_year")
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    assert match.status == "accepted" and match.contract_number.startswith("HT-")
    text = _text_of(match)
    for words in ("师承关系合同书", "张医生", "李明", "永济市中医医院", "半年", "传承计划", "随诊"):
        assert words in text, words

    services.apprentice_contract_sign(match=match, actor=world.liming)
    assert match.status == "accepted"
    assert Notification.objects.filter(recipient=world.zhang, title__contains="对方已签署").exists()
    services.apprentice_contract_sign(match=match, actor=world.zhang, scan=pdf("签字合同.pdf"))
    assert match.status == "signed"
    apprenticeship = match.apprenticeship
    assert (apprenticeship.master, apprenticeship.apprentice, apprenticeship.status) == (master, world.liming, "active")
    assert (apprenticeship.ends_on.year * 12 + apprenticeship.ends_on.month) - (
        apprenticeship.starts_on.year * 12 + apprenticeship.starts_on.month
    ) == 6
    application.refresh_from_db()
    assert application.status == "contracted" and not application.intents.get().is_open
    methods = dict(match.signatures.values_list("party", "method"))
    assert methods == {"apprentice": "online", "master": "scan"}
    assert "张医生" in _text_of(match) and "平台内签署" in _text_of(match)
    assert Notification.objects.filter(recipient=world.liming, title__contains="师徒关系已建立").exists()


def test_signing_records_the_time_and_the_address(world, client):
    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    client.force_login(world.liming)
    client.post(f"/apprenticeships/matches/{match.pk}/sign/", {"agree": "on"}, REMOTE_ADDR="10.1.2.3")
    signature = ContractSignature.objects.get(match=match)
    assert (signature.ip, signature.party) == ("10.1.2.3", "apprentice")
    assert signature.signed_at is not None


def test_a_disguised_scan_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    fake = SimpleUploadedFile("合同.pdf", b"<html>not a scan</html>")
    with pytest.raises(ApplicationError, match="签字扫描件：文件内容不是允许的类型"):
        services.apprentice_contract_sign(match=match, actor=world.liming, scan=fake)
    assert not match.signatures.exists()


def test_nobody_else_may_sign_or_decide(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    with pytest.raises((PermissionDenied, Http404)):
        services.apprentice_match_decide(match=match, actor=world.liming, accept=True)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    with pytest.raises((PermissionDenied, Http404)):
        services.apprentice_contract_sign(match=match, actor=world.wang)


def test_signing_twice_is_refused(world):
    application = approved_for(world, [zhang_master(world)])
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    services.apprentice_contract_sign(match=match, actor=world.liming)
    with pytest.raises(ConflictError, match="已签署过"):
        services.apprentice_contract_sign(match=match, actor=world.liming)


def test_a_master_over_capacity_cannot_accept(world):
    from masters.tests.factories import applicant

    master = zhang_master(world, capacity=1)
    first = approved_for(world, [master])
    services.apprentice_match_decide(match=live_match(first), actor=world.zhang, accept=True)
    other = applicant(world, "王小红", "140881")
    second = vetted_for(world, [master], user=other)
    # The only place is taken by an accepted match awaiting signature: approval proposes nobody.
    services.apprentice_application_approve(application=second, actor=world.zhao, to="approved", reason="同意")
    assert not second.matches.exists()
    with pytest.raises(ApplicationError, match="带教名额已满"):
        services.apprentice_match_propose(application=second, master=master, actor=world.wang)
    # Even a proposal made while there was room cannot be accepted once the place is gone.
    match = Match.objects.create(application=second, master=master)
    with pytest.raises(ConflictError, match="带教名额已满"):
        services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    match.refresh_from_db()
    assert match.status == "proposed"


def test_a_decline_needs_a_reason_and_the_organizing_unit_proposes_the_next_master(world):
    first_choice = zhang_master(world)
    second_choice = a_master(world, "薛荣昌")
    application = approved_for(world, [first_choice, second_choice])
    match = live_match(application)
    with pytest.raises(ApplicationError, match="谢绝时必须填写原因"):
        services.apprentice_match_decide(match=match, actor=world.zhang, accept=False)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=False, reason="本年度名额已安排")
    assert Notification.objects.filter(recipient=world.wang, title__contains="请为师承人重新推荐").exists()
    suggestions = selectors.match_suggestions(application)
    assert [s.master for s in suggestions][:1] == [second_choice]
    assert first_choice not in [s.master for s in suggestions]
    services.apprentice_match_propose(application=application, master=second_choice, actor=world.wang)
    assert live_match(application).master == second_choice


def test_suggestions_prefer_the_intention_then_specialty_and_skip_full_masters(world):
    intended = a_master(world, "孙思远", specialty="小儿推拿")
    same_field = a_master(world, "柴宝山", specialty="针灸治疗中风后遗症")
    full = a_master(world, "杜仲平", specialty="针灸治疗中风", capacity=0)
    application = approved_for(world, [intended])
    services.apprentice_match_decide(
        match=live_match(application), actor=intended.user, accept=False, reason="方向不同"
    )
    masters = [s.master for s in selectors.match_suggestions(application)]
    assert same_field in masters and full not in masters and intended not in masters


def test_capacity_counts_active_apprenticeships_and_accepted_matches(world):
    master = zhang_master(world, capacity=3)
    application = approved_for(world, [master])
    assert services.remaining_capacity(master) == 3
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=world.zhang, accept=True)
    assert services.remaining_capacity(master) == 2
    services.apprentice_contract_sign(match=match, actor=world.liming)
    services.apprentice_contract_sign(match=match, actor=world.zhang, scan=SimpleUploadedFile("签字合同.png", PNG))
    assert Apprenticeship.objects.filter(master=master, status="active").count() == 1
    assert services.remaining_capacity(master) == 2


def test_the_term_ends_the_same_day_months_later_or_at_the_end_of_a_shorter_month():
    import datetime

    assert services.end_of_term(datetime.date(2026, 3, 15), "three_years") == datetime.date(2029, 3, 15)
    assert services.end_of_term(datetime.date(2026, 8, 31), "half_year") == datetime.date(2027, 2, 28)
    assert services.end_of_term(datetime.date(2026, 12, 1), "one_year") == datetime.date(2027, 12, 1)
