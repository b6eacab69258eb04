"""Matching that can be neither bypassed nor left at a dead end (issue 12 §4, §5, §7): every step
that links an applicant to a master checks the applicant qualifies for the master's tier (APP-2);
after a decline the programme proposes another master by hand or the applicant names others; an
exemption asked for reaches the reviewer."""

import pytest

from apprenticeships import selectors, services
from apprenticeships.models import Apprenticeship, Match
from apprenticeships.tests.factories import a_master, approved_for, draft_for, live_match, zhang_master
from chuancheng.test import World
from lib.errors import ApplicationError
from masters.models import Tier
from notifications.models import Notification
from portal.todos import todos_for

pytestmark = pytest.mark.django_db


def guoyi_dashi(world, name: str = "路正远", **fields):
    """A 国医大师: an applicant needs 副主任医师 or above (000 §五(二)2(1)); 李明 is 主治医师."""
    return a_master(world, name, tier=Tier.GUOYI_DASHI, **fields)


def declined(world, application):
    match = live_match(application)
    services.apprentice_match_decide(match=match, actor=match.master.user, accept=False, reason="本年度名额已安排")
    return match


# --- §4 eligibility at every step ------------------------------------------------------------------


def test_a_forged_proposal_to_an_ineligible_master_is_refused_with_the_clause(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    senior = guoyi_dashi(world)
    wang = client_for("wang")
    response = wang.post(
        f"/apprenticeships/applications/{application.pk}/propose/",
        {"master": senior.pk},
        HTTP_REFERER=f"http://testserver/apprenticeships/applications/{application.pk}/",
        follow=True,
    )
    assert not application.matches.filter(master=senior).exists()
    page = response.content.decode()
    assert "APP-2.1" in page and "副主任医师及以上" in page


def test_the_service_and_the_api_refuse_an_ineligible_master_naming_the_rule(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    senior = guoyi_dashi(world)
    with pytest.raises(ApplicationError) as excinfo:
        services.apprentice_match_propose(application=application, master=senior, actor=world.wang)
    assert "APP-2.1" in excinfo.value.message and "000 §五(二)2(1)" in excinfo.value.message
    assert excinfo.value.field == "master"
    response = client_for("wang").post(
        f"/api/v1/apprentice-applications/{application.pk}/propose",
        {"master": senior.pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "APP-2.1" in response.content.decode()
    assert not application.matches.filter(master=senior).exists()


def test_a_master_cannot_accept_nor_the_parties_sign_an_ineligible_match(world):
    # A proposal that reached an ineligible master by any way (made before the rule, or written
    # straight to the table) can be neither accepted nor signed into an apprenticeship.
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    senior = guoyi_dashi(world)
    match = Match.objects.create(application=application, master=senior)
    with pytest.raises(ApplicationError, match="APP-2.1"):
        services.apprentice_match_decide(match=match, actor=senior.user, accept=True)
    match.refresh_from_db()
    assert match.status == "proposed"
    Match.objects.filter(pk=match.pk).update(status="accepted")
    services.apprentice_contract_sign(match=match, actor=world.liming)
    with pytest.raises(ApplicationError, match="APP-2.1"):
        services.apprentice_contract_sign(match=match, actor=senior.user)
    assert not Apprenticeship.objects.exists()


def test_suggestions_list_only_eligible_masters_with_room(world):
    senior = guoyi_dashi(world, specialty="针灸治疗中风后遗症")
    eligible = a_master(world, "柴宝山", specialty="针灸治疗中风后遗症")
    full = a_master(world, "杜仲平", specialty="针灸治疗中风后遗症", capacity=0)
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    masters = [s.master for s in selectors.match_suggestions(application)]
    assert eligible in masters and senior not in masters and full not in masters
    api = [row["master"] for row in _api_suggestions(world, application)]
    assert eligible.pk in api and senior.pk not in api


def _api_suggestions(world, application):
    from django.test import Client

    client = Client()
    client.force_login(world.wang)
    response = client.get(f"/api/v1/apprentice-applications/{application.pk}/suggestions")
    assert response.status_code == 200
    return response.json()


def test_approval_never_proposes_an_ineligible_intended_master(world):
    # Granted exemption aside, an intended 国医大师 cannot pass submission; if the tier rises after
    # submission, approval skips him rather than proposing him.
    master = a_master(world, "郑国华")
    application = approved_for(world, [master])
    services.apprentice_match_decide(match=live_match(application), actor=master.user, accept=False, reason="出国")
    from masters.models import Master

    Master.objects.filter(pk=master.pk).update(tier=Tier.GUOYI_DASHI)
    assert master not in [s.master for s in selectors.match_suggestions(application)]


# --- §5 after a decline ----------------------------------------------------------------------------


def test_after_a_decline_the_organizing_unit_proposes_any_eligible_master_found_by_hand(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    # Nobody with a matching specialty: the suggestions are empty, the search is not.
    other = a_master(world, "韩素英", specialty="妇科调经")
    guoyi_dashi(world, "韩国栋", specialty="妇科调经")
    wang = client_for("wang")
    page = wang.get(f"/apprenticeships/applications/{application.pk}/", {"propose_q": "韩"}).content.decode()
    assert "韩素英" in page and "韩国栋" not in page
    wang.post(f"/apprenticeships/applications/{application.pk}/propose/", {"master": other.pk})
    assert live_match(application).master == other


def test_the_decline_reason_is_shown_to_the_applicant_and_the_organizer(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    for persona in ("liming", "wang"):
        page = client_for(persona).get(f"/apprenticeships/applications/{application.pk}/").content.decode()
        assert "谢绝原因：本年度名额已安排" in page, persona
    notice = Notification.objects.get(recipient=world.liming, title__contains="谢绝")
    assert "本年度名额已安排" in notice.body and "更改意向传承人" in notice.body


def test_after_a_decline_the_applicant_names_another_master_and_the_organizer_is_told(world, client_for):
    application = approved_for(world, [zhang_master(world)])
    declined(world, application)
    titles = [t.title for t in todos_for(world.liming)]
    assert "传承人已谢绝：可更改意向传承人，或等待承办单位推荐" in titles
    other = a_master(world, "柴宝山", specialty="针灸治疗中风后遗症")
    liming = client_for("liming")
    page = liming.get(f"/apprenticeships/applications/{application.pk}/").content.decode()
    assert 'id="change-intention"' in page and "柴宝山" in page
    liming.post(f"/apprenticeships/applications/{application.pk}/intention/", {"masters": [other.pk]})
    application.refresh_from_db()
    assert application.status == "approved"
    assert [i.master for i in application.intents.all()] == [other]
    assert Notification.objects.filter(recipient=world.wang, title__contains="更改了意向传承人").exists()
    # The first intention leads the suggestions; the organizer proposes, and the applicant's
    # own to-do ends.
    assert selectors.match_suggestions(application)[0].master == other
    services.apprentice_match_propose(application=application, master=other, actor=world.wang)
    assert "传承人已谢绝：可更改意向传承人，或等待承办单位推荐" not in [t.title for t in todos_for(world.liming)]


def test_the_applicant_cannot_name_an_ineligible_or_declining_master_nor_change_while_one_decides(world, client_for):
    zhang = zhang_master(world)
    application = approved_for(world, [zhang])
    liming = client_for("liming")
    url = f"/apprenticeships/applications/{application.pk}/intention/"
    # A proposal is waiting for 张医生: the choice is his now.
    with pytest.raises(ApplicationError, match="不能更改意向传承人"):
        services.apprentice_intention_change(application=application, actor=world.liming, masters=[zhang])
    declined(world, application)
    senior = guoyi_dashi(world)
    with pytest.raises(ApplicationError, match="APP-2.1"):
        services.apprentice_intention_change(application=application, actor=world.liming, masters=[senior])
    with pytest.raises(ApplicationError, match="已谢绝过"):
        services.apprentice_intention_change(application=application, actor=world.liming, masters=[zhang])
    # Forged through the page: refused, nothing changed.
    liming.post(url, {"masters": [senior.pk]})
    assert [i.master for i in application.intents.all()] == [zhang]
    # Another person: the reviewer may see the application but not change its intention.
    other = a_master(world, "柴宝山")
    assert client_for("wang").post(url, {"masters": [other.pk]}).status_code == 403
    assert client_for("sun").post(url, {"masters": [other.pk]}).status_code == 404


def test_nothing_waits_at_approved_without_someone_to_act(world):
    # Approved, nobody proposed (no master with room): the proposers have it on their workbench.
    application = approved_for(world, [zhang_master(world, capacity=0)])
    assert not application.matches.exists()
    for persona in World.PERSONAS:
        titles = [t.title for t in todos_for(getattr(world, persona))]
        assert ("为师承人推荐传承人：李明" in titles) == (persona in ("wang", "zhao")), persona


# --- §7 exemption requests -------------------------------------------------------------------------


def test_an_exemption_request_reaches_the_reviewers_workbench_and_notices(world):
    application = draft_for(
        world, [guoyi_dashi(world)], exemption_requested=True, exemption_claim="三十年专攻醒脑开窍针法"
    )
    title = "决定特殊专长豁免：李明"
    for persona in World.PERSONAS:
        titles = [t.title for t in todos_for(getattr(world, persona))]
        assert (title in titles) == (persona == "wang"), persona
    notices = Notification.objects.filter(title__contains="申请特殊专长豁免")
    assert [n.recipient for n in notices] == [world.wang]
    assert "三十年专攻醒脑开窍针法" in notices.get().body
    services.apprentice_exemption_decide(application=application, actor=world.wang, granted=True, reason="确有专长")
    assert title not in [t.title for t in todos_for(world.wang)]


def test_asking_for_an_exemption_on_an_existing_draft_tells_the_reviewer_once(world):
    application = draft_for(world, [guoyi_dashi(world)])
    assert not Notification.objects.filter(title__contains="申请特殊专长豁免").exists()
    services.apprentice_application_update(
        application=application, actor=world.liming, exemption_requested=True, exemption_claim="确有专长"
    )
    services.apprentice_application_update(application=application, actor=world.liming, specialty="针灸")
    assert Notification.objects.filter(recipient=world.wang, title__contains="申请特殊专长豁免").count() == 1
