"""A protocol's moves come from its table (MST-4): the buttons on its page, the one move endpoint,
the master's to-do list and the notices of each arrival.

张医生's protocols belong to 运城市中医医院 (盐湖区): 孙科员 (盐湖区) and 杨主任 (the city) read them
(protocol.view) but only 张医生 publishes, revises and withdraws them; 周科员 and 李明 (永济市) do
not reach them at all."""

import pytest
from django.core.exceptions import PermissionDenied

from cases.importing import cases_import
from cases.models import Protocol
from cases.services import Selection, analysis_run, protocol_advance, protocol_create, protocol_update
from cases.tests.sheets import row, sheet
from notifications.models import Notification
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

Status = Protocol.Status

TEXT = dict(
    title="不寐心肾不交证诊疗方案",
    disease="不寐",
    syndrome="心肾不交证",
    diagnosis="失眠多梦，心烦，舌红少苔，脉细数",
    principle="滋阴降火，交通心肾",
    prescription="酸枣仁30g 川芎6g 知母10g 茯苓15g 甘草6g",
)


@pytest.fixture
def protocol(world):
    rows = [row(name=f"患者{i}") for i in range(10)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk, disease="不寐"))
    return protocol_create(actor=world.zhang, analysis=analysis, **TEXT)


def move_url(protocol) -> str:
    return f"/audit/move/cases.protocol/{protocol.pk}/"


def page_url(protocol) -> str:
    return f"/cases/protocols/{protocol.pk}/"


def told(title: str) -> list[str]:
    """Who got a notice with this title, one entry per notice."""
    return sorted(Notification.objects.filter(title=title).values_list("recipient__username", flat=True))


PUBLISHED = "诊疗方案「不寐心肾不交证诊疗方案」第 1 版已发布"
WITHDRAWN = "诊疗方案「不寐心肾不交证诊疗方案」已撤回"
REVISED = "诊疗方案「不寐心肾不交证诊疗方案」已转为草稿修订"


# --- notices ----------------------------------------------------------------------------------------


def test_a_published_protocol_tells_the_staff_who_read_it_once_and_not_the_master_who_published(world, protocol):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    assert told(PUBLISHED) == ["sun", "yang"]
    assert Notification.objects.get(recipient=world.sun).url == page_url(protocol)


def test_a_protocol_published_by_an_administrator_tells_its_master_too(world, protocol):
    protocol_advance(protocol=protocol, actor=world.admin, to=Status.PUBLISHED, reason="代为发布")
    assert told(PUBLISHED) == ["sun", "yang", "zhang"]
    assert Notification.objects.get(recipient=world.zhang).body == "代为发布"


def test_a_withdrawn_protocol_tells_the_staff_who_read_it(world, protocol):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.WITHDRAWN, reason="证据不足")
    assert told(WITHDRAWN) == ["sun", "yang"]


def test_a_revision_tells_only_the_master_and_only_when_someone_else_made_it(world, protocol):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.DRAFT)
    assert told(REVISED) == []
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    protocol_advance(protocol=protocol, actor=world.admin, to=Status.DRAFT)
    assert told(REVISED) == ["zhang"]


def test_a_refused_move_tells_nobody(world, protocol):
    with pytest.raises(PermissionDenied):
        protocol_advance(protocol=protocol, actor=world.sun, to=Status.PUBLISHED)
    assert not Notification.objects.exists()


# --- the to-do list ---------------------------------------------------------------------------------


def test_a_draft_waits_for_its_master_to_publish_it_and_for_nobody_else(world, protocol):
    waiting = [w for w in waiting_for(world.zhang) if w.obj == protocol]
    assert [(w.act_label, w.url) for w in waiting] == [("发布诊疗方案", page_url(protocol))]
    for persona in ("sun", "yang", "zhou", "liming", "wang", "chen"):
        assert not [w for w in waiting_for(getattr(world, persona)) if isinstance(w.obj, Protocol)], persona


def test_a_published_or_withdrawn_protocol_waits_for_nobody(world, protocol):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    assert not [w for w in waiting_for(world.zhang) if isinstance(w.obj, Protocol)]
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.WITHDRAWN)
    assert not [w for w in waiting_for(world.zhang) if isinstance(w.obj, Protocol)]


# --- the buttons ------------------------------------------------------------------------------------


def test_the_master_sees_the_moves_of_the_table_and_the_staff_none(world, protocol, client_for):
    assert [(m.to, m.button) for m in moves(protocol, world.zhang)] == [(Status.PUBLISHED, "发布")]
    assert moves(protocol, world.sun) == []
    page = client_for("zhang").get(page_url(protocol)).content.decode()
    assert 'data-moves="published "' in page and f'action="{move_url(protocol)}"' in page
    assert f"/cases/protocols/{protocol.pk}/edit/" in page
    page = client_for("sun").get(page_url(protocol)).content.decode()
    assert "workflow-moves" not in page and "/edit/" not in page
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    page = client_for("zhang").get(page_url(protocol)).content.decode()
    assert 'data-moves="draft withdrawn "' in page and "修订（生成新草稿）" in page
    # A published version is frozen: no 「修改」 until it is revised (cases.permissions).
    assert f"/cases/protocols/{protocol.pk}/edit/" not in page


# --- the move endpoint ------------------------------------------------------------------------------


def test_the_master_publishes_through_the_move_endpoint(world, protocol, client_for):
    response = client_for("zhang").post(
        move_url(protocol), {"to": "published", "expect": "draft", "next": page_url(protocol)}
    )
    assert response.status_code == 302 and response["Location"] == page_url(protocol)
    protocol.refresh_from_db()
    assert protocol.status == Status.PUBLISHED and protocol.version == 1 and protocol.versions.count() == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.TRANSITION, object_id=str(protocol.pk))
    assert (entry.actor, entry.from_state, entry.to_state, entry.outcome) == (world.zhang, "草稿", "已发布", "success")


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("liming", 404), ("sun", 403), ("yang", 403)])
def test_people_who_may_not_publish_cannot_post_the_move(world, protocol, client_for, persona, status):
    response = client_for(persona).post(move_url(protocol), {"to": "published", "expect": "draft"})
    assert response.status_code == status
    protocol.refresh_from_db()
    assert protocol.status == Status.DRAFT and protocol.version == 0
    assert not Notification.objects.exists()
    # The refusal is history too.
    assert AuditEntry.objects.filter(object_id=str(protocol.pk), outcome="denied").exists()


def test_a_move_from_a_stale_page_changes_nothing_and_says_someone_else_decided(world, protocol, client_for):
    c = client_for("zhang")
    # The page showed the draft with its 「发布」 button; meanwhile the protocol was published.
    protocol_advance(protocol=Protocol.objects.get(pk=protocol.pk), actor=world.admin, to=Status.PUBLISHED)
    response = c.post(
        move_url(protocol), {"to": "published", "expect": "draft", "next": page_url(protocol)}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()
    protocol.refresh_from_db()
    assert protocol.status == Status.PUBLISHED and protocol.version == 1


def test_a_stale_withdrawal_is_refused_though_withdrawing_is_allowed_from_the_state_now(world, protocol, client_for):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    response = client_for("zhang").post(move_url(protocol), {"to": "withdrawn", "expect": "draft"})
    assert response.status_code == 409
    protocol.refresh_from_db()
    assert protocol.status == Status.PUBLISHED


@pytest.mark.parametrize("to", ["withdrawn", "draft", "archived", ""])
def test_a_forged_target_is_refused_and_changes_nothing(world, protocol, client_for, to):
    response = client_for("zhang").post(move_url(protocol), {"to": to, "expect": "draft"})
    assert response.status_code in (400, 409)
    protocol.refresh_from_db()
    assert protocol.status == Status.DRAFT and protocol.version == 0
    assert not AuditEntry.objects.filter(object_id=str(protocol.pk), outcome="success", action="transition").exists()


def test_the_old_advance_address_still_moves_through_the_same_service(world, protocol, client_for):
    response = client_for("zhang").post(f"/cases/protocols/{protocol.pk}/advance/", {"to": "published"})
    assert response.status_code == 302 and response["Location"] == page_url(protocol)
    protocol.refresh_from_db()
    assert protocol.status == Status.PUBLISHED and protocol.version == 1


def test_editing_follows_the_one_rule_of_the_page(world, protocol, client_for):
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.PUBLISHED)
    response = client_for("zhang").post(f"/cases/protocols/{protocol.pk}/edit/", {**TEXT, "cautions": "忌辛辣"})
    assert response.status_code == 200 and "只能修改草稿" in response.content.decode()
    protocol_advance(protocol=protocol, actor=world.zhang, to=Status.DRAFT)
    protocol_update(protocol=protocol, actor=world.zhang, **{**TEXT, "cautions": "忌辛辣"})
    protocol.refresh_from_db()
    assert protocol.cautions == "忌辛辣"
