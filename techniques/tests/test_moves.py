"""A declaration's buttons, the one move endpoint, the workbench and the notices all come from
Technique.TRANSITIONS and its maps (workflow/services.py): township or county staff receive,
the county verifies, the city accepts and publishes, and the declarant hears of what comes back."""

import pytest
from django.http import Http404

from chuancheng.test import declaration_for
from notifications.models import Notification
from portal.todos import todos_for
from techniques.models import Technique
from techniques.services import HolderData, technique_advance, technique_submit
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

S = Technique.Status
NAME = "郭氏小儿推拿治疗积滞"


def move_url(technique: Technique) -> str:
    return f"/audit/move/techniques.technique/{technique.pk}/"


def page_url(technique: Technique) -> str:
    return f"/techniques/manage/{technique.pk}/"


@pytest.fixture
def yanhu_declaration(world):
    """郭秀兰's declaration at 林干事's township in 盐湖区, submitted."""
    return declaration_for(world.guo, world.township_centre.region, submit=True)


def at(world, technique: Technique, status: str) -> Technique:
    """The declaration moved on by the people who act at each stage, up to `status`."""
    path = [(world.lin, S.RECEIVED), (world.sun, S.VERIFIED), (world.yang, S.ACCEPTED), (world.yang, S.PUBLISHED)]
    for actor, to in path:
        if technique.status == status:
            break
        technique_advance(technique=technique, actor=actor, to=to)
    assert technique.status == status
    return technique


def told_since(mark: int) -> list[tuple[str, str, str]]:
    return [
        (n.recipient.username, n.title, n.body)
        for n in Notification.objects.filter(pk__gt=mark).select_related("recipient").order_by("pk")
    ]


def last_notice() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def waiting_names(user) -> list[str]:
    return sorted(w.obj.name for w in waiting_for(user) if isinstance(w.obj, Technique))


# --- notices ----------------------------------------------------------------------------------


def test_a_submission_tells_the_township_and_county_staff_who_receive_it(world):
    draft = declaration_for(world.guo, world.township_centre.region)
    mark = last_notice()
    technique_submit(technique=draft, actor=world.guo)
    assert sorted(told_since(mark)) == [
        ("lin", f"技术申报待受理：{NAME}", "提交申报"),
        ("sun", f"技术申报待受理：{NAME}", "提交申报"),
    ]
    assert Notification.objects.filter(pk__gt=mark).first().url == page_url(draft)


def test_each_stage_tells_the_office_that_acts_next_exactly_once(world, yanhu_declaration):
    t = yanhu_declaration
    mark = last_notice()
    technique_advance(technique=t, actor=world.lin, to=S.RECEIVED, reason="材料齐全")
    assert told_since(mark) == [("sun", f"技术申报待核实：{NAME}", "材料齐全")]
    mark = last_notice()
    technique_advance(technique=t, actor=world.sun, to=S.VERIFIED, reason="已入户核实")
    assert told_since(mark) == [("yang", f"技术申报待审定入库：{NAME}", "已入户核实")]


def test_acceptance_and_publication_tell_the_declarant(world, yanhu_declaration):
    t = at(world, yanhu_declaration, S.VERIFIED)
    mark = last_notice()
    technique_advance(technique=t, actor=world.yang, to=S.ACCEPTED, reason="同意入库")
    assert told_since(mark) == [("guo", f"技术已入库（未公开）：{NAME}", "同意入库")]
    mark = last_notice()
    technique_advance(technique=t, actor=world.yang, to=S.PUBLISHED)
    assert told_since(mark) == [("guo", f"技术已公开：{NAME}", "")]
    mark = last_notice()
    technique_advance(technique=t, actor=world.yang, to=S.ACCEPTED, reason="持有人要求暂不公开")
    assert told_since(mark) == [("guo", f"技术已入库（未公开）：{NAME}", "持有人要求暂不公开")]


@pytest.mark.parametrize("stage", [S.SUBMITTED, S.RECEIVED, S.VERIFIED])
def test_a_returned_declaration_tells_the_declarant_with_the_reasons(world, yanhu_declaration, stage):
    t = at(world, yanhu_declaration, stage)
    returner = {S.SUBMITTED: world.lin, S.RECEIVED: world.sun, S.VERIFIED: world.yang}[stage]
    mark = last_notice()
    technique_advance(technique=t, actor=returner, to=S.RETURNED, reason="请补充典型病例的随访结果")
    assert told_since(mark) == [("guo", f"技术申报已退回，请修改后重新提交：{NAME}", "请补充典型病例的随访结果")]


def test_a_paper_declaration_returned_tells_the_staff_who_entered_it(world):
    t = declaration_for(
        world.lin,
        world.township_centre.region,
        submit=True,
        channel="offline",
        entered_org=world.township_centre,
        holders=[HolderData(name="贾长顺")],
    )
    mark = last_notice()
    technique_advance(technique=t, actor=world.sun, to=S.RETURNED, reason="扫描件不清晰")
    assert told_since(mark) == [("lin", f"技术申报已退回，请修改后重新提交：{NAME}", "扫描件不清晰")]


def test_the_person_who_moves_is_not_told_and_a_refused_move_tells_nobody(world, yanhu_declaration):
    mark = last_notice()
    technique_advance(technique=yanhu_declaration, actor=world.sun, to=S.RECEIVED)
    assert told_since(mark) == []  # 孙科员 received it and verifies next: he needs no notice of it
    with pytest.raises(Http404):
        technique_advance(technique=yanhu_declaration, actor=world.zhou, to=S.VERIFIED)
    assert told_since(mark) == []


# --- what waits for whom ------------------------------------------------------------------------


def test_each_office_sees_the_declarations_waiting_at_its_stage(world, yanhu_declaration):
    received = at(world, declaration_for(world.guo, world.township_centre.region, submit=True, name="乙"), S.RECEIVED)
    verified = at(world, declaration_for(world.guo, world.township_centre.region, submit=True, name="丙"), S.VERIFIED)
    accepted = at(world, declaration_for(world.guo, world.township_centre.region, submit=True, name="丁"), S.ACCEPTED)
    declaration_for(world.guo, world.township_centre.region, name="草稿")
    assert waiting_names(world.lin) == [NAME]  # to receive
    assert waiting_names(world.sun) == sorted([NAME, received.name])  # to receive, to verify
    assert waiting_names(world.yang) == [verified.name]  # to accept; 丁 rests in the database
    for persona in ("zhou", "guo", "zhang", "liming", "wang", "zhao", "chen"):
        assert waiting_names(getattr(world, persona)) == [], persona
    assert accepted.name not in waiting_names(world.yang)


def test_the_declarant_sees_her_returned_declaration_and_not_her_drafts(world, yanhu_declaration):
    declaration_for(world.guo, world.township_centre.region, name="未提交的草稿")
    technique_advance(technique=yanhu_declaration, actor=world.lin, to=S.RETURNED, reason="请补充随访结果")
    assert waiting_names(world.guo) == [NAME]
    assert waiting_names(world.lin) == [] and waiting_names(world.sun) == []
    (todo,) = [t for t in todos_for(world.guo) if t.url == page_url(yanhu_declaration)]
    assert todo.title == f"提交技术申报：{NAME}"


def test_the_workbench_page_lists_each_offices_declarations(world, yanhu_declaration, client_for):
    assert f"受理技术申报：{NAME}" in client_for("lin").get("/workbench/").content.decode()
    at(world, yanhu_declaration, S.VERIFIED)
    assert f"技术入库：{NAME}" in client_for("yang").get("/workbench/").content.decode()
    assert f"受理技术申报：{NAME}" not in client_for("lin").get("/workbench/").content.decode()
    technique_advance(technique=yanhu_declaration, actor=world.yang, to=S.RETURNED, reason="疗效证据不足")
    assert f"提交技术申报：{NAME}" in client_for("guo").get("/workbench/").content.decode()


# --- the buttons and the move endpoint ----------------------------------------------------------


def test_the_page_offers_each_person_the_moves_of_their_stage(world, yanhu_declaration, client_for):
    assert [(m.to, m.button) for m in moves(yanhu_declaration, world.lin)] == [
        (S.RECEIVED, "受理"),
        (S.RETURNED, "退回修改"),
        # A duplicate is merged on a page of its own, where the kept declaration is chosen.
        (S.MERGED, "合并到另一申报"),
    ]
    assert moves(yanhu_declaration, world.lin)[-1].page_url == f"/techniques/manage/{yanhu_declaration.pk}/merge/"
    assert moves(yanhu_declaration, world.yang) == [] and moves(yanhu_declaration, world.guo) == []
    page = client_for("lin").get(page_url(yanhu_declaration)).content.decode()
    assert 'data-moves="received returned ' in page and "退回修改时必须填写原因" in page
    assert "workflow-moves" not in client_for("guo").get(page_url(yanhu_declaration)).content.decode()


def test_the_declarant_submits_her_draft_with_the_pages_button(world, client_for):
    draft = declaration_for(world.guo, world.township_centre.region)
    page = client_for("guo").get(page_url(draft)).content.decode()
    assert 'data-moves="submitted ' in page and "提交申报" in page
    response = client_for("guo").post(move_url(draft), {"to": "submitted", "expect": "draft"})
    assert response.status_code == 302 and response["Location"] == page_url(draft)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.code.startswith("YC") and draft.submitted_at


def test_the_township_receives_through_the_move_endpoint(world, yanhu_declaration, client_for):
    t = yanhu_declaration
    response = client_for("lin").post(
        move_url(t), {"to": "received", "expect": "submitted", "reason": "材料齐全", "next": page_url(t)}
    )
    assert response.status_code == 302 and response["Location"] == page_url(t)
    t.refresh_from_db()
    assert t.status == S.RECEIVED
    entry = AuditEntry.objects.filter(object_id=str(t.pk), outcome="success", action="transition").latest("pk")
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (world.lin, "已提交", "已受理", "材料齐全")


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("chen", 404), ("yang", 403), ("guo", 403)])
def test_people_outside_the_stage_cannot_post_a_move(world, yanhu_declaration, client_for, persona, status):
    response = client_for(persona).post(move_url(yanhu_declaration), {"to": "received", "expect": "submitted"})
    assert response.status_code == status
    yanhu_declaration.refresh_from_db()
    assert yanhu_declaration.status == S.SUBMITTED


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, yanhu_declaration, client_for):
    t = yanhu_declaration
    client_for("lin").post(move_url(t), {"to": "received", "expect": "submitted"})
    # 孙科员 still has the page from before 林干事 received it.
    response = client_for("sun").post(
        move_url(t), {"to": "returned", "expect": "submitted", "reason": "材料不全", "next": page_url(t)}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()
    t.refresh_from_db()
    assert t.status == S.RECEIVED
    assert not Notification.objects.filter(recipient=world.guo).exists()


@pytest.mark.parametrize("forged", ["published", "accepted", "verified", "draft", "approved", ""])
def test_a_forged_target_is_refused_and_changes_nothing(world, yanhu_declaration, client_for, forged):
    response = client_for("lin").post(move_url(yanhu_declaration), {"to": forged, "expect": "submitted"})
    assert response.status_code in (400, 409)
    yanhu_declaration.refresh_from_db()
    assert yanhu_declaration.status == S.SUBMITTED


def test_a_return_without_reasons_is_refused_with_the_rule(world, yanhu_declaration, client_for):
    response = client_for("lin").post(
        move_url(yanhu_declaration),
        {"to": "returned", "expect": "submitted", "next": page_url(yanhu_declaration)},
        follow=True,
    )
    assert "退回必须填写原因" in response.content.decode()
    yanhu_declaration.refresh_from_db()
    assert yanhu_declaration.status == S.SUBMITTED


def test_publishing_without_the_holders_consent_is_refused_and_changes_nothing(world, client_for):
    t = at(
        world, declaration_for(world.guo, world.township_centre.region, submit=True, consent_publish=False), S.ACCEPTED
    )
    mark = last_notice()
    response = client_for("yang").post(
        move_url(t), {"to": "published", "expect": "accepted", "next": page_url(t)}, follow=True
    )
    assert "持有人未同意公开" in response.content.decode()
    t.refresh_from_db()
    assert t.status == S.ACCEPTED and told_since(mark) == []
