"""draft → submitted → received (township or county) → verified (county) → accepted (city),
or returned with reasons and resubmitted; each step by the right unit in its region."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Region
from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques.models import Technique
from techniques.services import technique_advance, technique_submit
from workflow.models import AuditEntry

S = Technique.Status


@pytest.fixture
def yanhu_declaration(world):
    township = world.township_centre.region
    return declaration_for(world.guo, township, submit=True)


def test_the_declaration_travels_from_township_to_city(world, yanhu_declaration):
    t = yanhu_declaration
    assert t.status == S.SUBMITTED and t.code.startswith("YC")
    technique_advance(technique=t, actor=world.lin, to=S.RECEIVED)
    technique_advance(technique=t, actor=world.sun, to=S.VERIFIED, reason="已核对持有人身份与材料")
    technique_advance(technique=t, actor=world.yang, to=S.ACCEPTED)
    technique_advance(technique=t, actor=world.yang, to=S.PUBLISHED)
    t.refresh_from_db()
    assert t.status == S.PUBLISHED
    steps = list(
        AuditEntry.objects.filter(action="transition", object_id=str(t.pk), outcome="success")
        .order_by("pk")
        .values_list("actor__username", "from_state", "to_state")
    )
    assert steps == [
        ("guo", "草稿", "已提交"),
        ("lin", "已提交", "已受理"),
        ("sun", "已受理", "已核实"),
        ("yang", "已核实", "已入库"),
        ("yang", "已入库", "已公开"),
    ]


def test_a_returned_declaration_is_fixed_and_resubmitted(world, yanhu_declaration):
    t = yanhu_declaration
    with pytest.raises(ApplicationError):
        technique_advance(technique=t, actor=world.lin, to=S.RETURNED, reason=" ")
    technique_advance(technique=t, actor=world.lin, to=S.RETURNED, reason="请补充典型病例的随访结果")
    from techniques.services import technique_update

    technique_update(technique=t, actor=world.guo, typical_cases="随访三月未复发")
    technique_submit(technique=t, actor=world.guo)
    t.refresh_from_db()
    assert t.status == S.SUBMITTED and t.typical_cases == "随访三月未复发"


def test_each_step_needs_the_right_level(world, yanhu_declaration):
    t = yanhu_declaration
    with pytest.raises(PermissionDenied):  # the city does not receive
        technique_advance(technique=t, actor=world.yang, to=S.RECEIVED)
    technique_advance(technique=t, actor=world.lin, to=S.RECEIVED)
    with pytest.raises(PermissionDenied):  # a township does not verify
        technique_advance(technique=t, actor=world.lin, to=S.VERIFIED)
    t.refresh_from_db()
    assert t.status == S.RECEIVED


def test_another_countys_staff_do_not_see_it(world, yanhu_declaration, client_for):
    with pytest.raises(Http404):
        technique_advance(technique=yanhu_declaration, actor=world.zhou, to=S.RECEIVED)
    assert client_for("zhou").get(f"/techniques/manage/{yanhu_declaration.pk}/").status_code == 404
    assert client_for("sun").get(f"/techniques/manage/{yanhu_declaration.pk}/").status_code == 200


def test_publishing_needs_the_holders_consent(world):
    t = declaration_for(world.guo, world.township_centre.region, submit=True, consent_publish=False)
    technique_advance(technique=t, actor=world.lin, to=S.RECEIVED)
    technique_advance(technique=t, actor=world.sun, to=S.VERIFIED)
    technique_advance(technique=t, actor=world.yang, to=S.ACCEPTED)
    with pytest.raises(ApplicationError) as excinfo:
        technique_advance(technique=t, actor=world.yang, to=S.PUBLISHED)
    assert "未同意公开" in excinfo.value.message


def test_the_buttons_on_the_page_follow_the_table(world, yanhu_declaration, client_for):
    page = client_for("lin").get(f"/techniques/manage/{yanhu_declaration.pk}/").content.decode()
    assert 'value="received"' in page and 'value="returned"' in page and 'value="verified"' not in page
    response = client_for("lin").post(
        f"/techniques/manage/{yanhu_declaration.pk}/advance/", {"to": "received", "reason": "材料齐全"}, follow=True
    )
    assert "已受理" in response.content.decode()


def test_the_workbench_lists_what_waits_for_each_level(world, yanhu_declaration, client_for):
    assert "受理技术申报：郭氏小儿推拿治疗积滞" in client_for("lin").get("/workbench/").content.decode()
    technique_advance(technique=yanhu_declaration, actor=world.lin, to=S.RECEIVED)
    assert "核实技术申报：郭氏小儿推拿治疗积滞" in client_for("sun").get("/workbench/").content.decode()
    assert "郭氏小儿推拿" not in client_for("zhou").get("/workbench/").content.decode()


def test_viewing_holders_is_logged_and_ids_are_masked_below_the_county(world, client_for):
    t = declaration_for(world.guo, world.township_centre.region, submit=True)
    from lib.identifiers import resident_id_check_char

    first17 = "14080219650304002"
    holder = t.holders.get()
    holder.set_id_number(first17 + resident_id_check_char(first17))
    holder.save()
    lin_page = client_for("lin").get(f"/techniques/manage/{t.pk}/").content.decode()
    assert holder.id_number not in lin_page and "140802********" in lin_page
    assert holder.id_number in client_for("sun").get(f"/techniques/manage/{t.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="view_personal", object_id=str(t.pk)).count() == 2
    assert Region.objects.get(code="140802").contains(t.region)


def test_the_city_grades_and_classifies_an_accepted_technique(world, yanhu_declaration, client_for):
    from techniques.services import technique_classify

    t = yanhu_declaration
    with pytest.raises(ApplicationError):
        technique_classify(technique=t, actor=world.yang, grade="A", management_class="重点保护类")
    for actor, to in ((world.lin, S.RECEIVED), (world.sun, S.VERIFIED), (world.yang, S.ACCEPTED)):
        technique_advance(technique=t, actor=actor, to=to)
    with pytest.raises(PermissionDenied):
        technique_classify(technique=t, actor=world.sun, grade="A", management_class="")
    client_for("yang").post(
        f"/techniques/manage/{t.pk}/classify/", {"grade": "A", "management_class": "重点保护类", "reason": "疗效确切"}
    )
    t.refresh_from_db()
    assert (t.grade, t.management_class) == ("A", "重点保护类")
    entry = AuditEntry.objects.filter(object_id=str(t.pk), reason="疗效确切").get()
    assert (entry.from_state, entry.to_state) == ("未分级/—", "甲级/重点保护类")
