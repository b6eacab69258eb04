"""A master's application and materials through the workflow core: the buttons, the one move
endpoint, what waits for whom on the workbench, and who hears of each arrival (once)."""

import pytest
from django.urls import reverse

from masters import services
from masters.models import Master, MasterMaterial
from masters.tests.factories import TODAY, applicant, application_for, certified, guide_reviewer
from notifications.models import Notification
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

pytestmark = pytest.mark.django_db
S = Master.Status


def move_url(obj) -> str:
    return reverse("workflow:move", args=[f"{obj._meta.app_label}.{obj._meta.model_name}", obj.pk])


def detail_url(master) -> str:
    return reverse("masters:application-detail", args=[master.pk])


def submitted(world) -> Master:
    master = application_for(world)
    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    return master


def reviewed(world) -> Master:
    master = submitted(world)
    services.master_application_advance(master=master, actor=world.wang, to=S.REVIEWED, reason="材料属实")
    return master


def selected(world) -> Master:
    master = reviewed(world)
    services.master_application_advance(master=master, actor=world.zhao, to=S.SELECTED, reason="同意入选")
    return master


class Told:
    """The notices written since it was made: {recipient: [title, …]}."""

    def __init__(self):
        self.mark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def __call__(self) -> dict:
        told: dict = {}
        for n in Notification.objects.filter(pk__gt=self.mark).select_related("recipient").order_by("pk"):
            told.setdefault(n.recipient.username, []).append(n.title)
        self.mark = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return told


def mine(user) -> list:
    return [w.obj for w in waiting_for(user) if isinstance(w.obj, Master | MasterMaterial)]


# --- the buttons ---------------------------------------------------------------------------------


def test_each_stage_shows_its_units_buttons_and_nobody_elses(world):
    master = submitted(world)
    assert [(m.to, m.button) for m in moves(master, world.wang)] == [
        (S.REVIEWED, "审核通过"),
        (S.RETURNED, "退回修改"),
        (S.REJECTED, "不予通过"),
    ]
    for persona in ("zhang", "zhao", "sun", "zhou", "chen"):
        assert moves(master, getattr(world, persona)) == [], persona
    assert moves(master, guide_reviewer(world)) == []


def test_the_guiding_unit_certifies_or_declines_to(world):
    master = selected(world)
    assert [(m.to, m.button, m.reason_required) for m in moves(master, guide_reviewer(world))] == [
        (S.CERTIFIED, "认证并颁发证书", False),
        (S.REJECTED, "不予认证", True),
    ]


def test_the_applicant_submits_a_draft_from_its_page(world, client_for):
    master = application_for(world)
    page = client_for("zhang").get(detail_url(master)).content.decode()
    assert 'data-moves="submitted ' in page and "提交申请" in page
    response = client_for("zhang").post(
        move_url(master), {"to": "submitted", "expect": "draft", "next": detail_url(master)}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(master)
    master.refresh_from_db()
    assert master.status == S.SUBMITTED and master.submitted_at is not None


def test_the_review_queue_rows_post_their_moves_and_return_to_the_queue(world, client_for):
    master = submitted(world)
    wang = client_for("wang")
    page = wang.get(reverse("masters:review-queue")).content.decode()
    assert f'action="{move_url(master)}"' in page and 'value="submitted"' in page
    queue = reverse("masters:review-queue") + "?stage=submitted"
    response = wang.post(move_url(master), {"to": "reviewed", "expect": "submitted", "next": queue})
    assert response.status_code == 302 and response["Location"] == queue
    master.refresh_from_db()
    assert master.status == S.REVIEWED


# --- the move endpoint ---------------------------------------------------------------------------


def test_the_organizing_units_reviewer_reviews_through_the_move_endpoint(world, client_for):
    master = submitted(world)
    response = client_for("wang").post(
        move_url(master), {"to": "reviewed", "expect": "submitted", "reason": "材料属实", "next": detail_url(master)}
    )
    assert response.status_code == 302
    master.refresh_from_db()
    assert master.status == S.REVIEWED
    entry = AuditEntry.objects.get(content_type__model="master", object_id=str(master.pk), to_state="审核通过")
    assert (entry.actor, entry.outcome, entry.reason) == (world.wang, "success", "材料属实")


def test_the_guiding_unit_certifies_through_the_move_endpoint_and_the_certificate_is_issued(world, client_for):
    master = selected(world)
    c = client_for("admin")
    c.force_login(guide_reviewer(world))
    assert c.post(move_url(master), {"to": "certified", "expect": "selected"}).status_code == 302
    master.refresh_from_db()
    assert master.status == S.CERTIFIED and master.certificate_number.startswith("CCM-")


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("zhao", 403), ("zhang", 403), ("chen", 403)])
def test_people_without_the_act_cannot_post_a_review(world, client_for, persona, status):
    master = submitted(world)
    response = client_for(persona).post(move_url(master), {"to": "reviewed", "expect": "submitted"})
    assert response.status_code == status
    master.refresh_from_db()
    assert master.status == S.SUBMITTED


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, client_for):
    master = reviewed(world)
    response = client_for("wang").post(
        move_url(master),
        {"to": "returned", "expect": "submitted", "reason": "材料不全", "next": detail_url(master)},
        follow=True,
    )
    assert "已由其他人员处理" in response.content.decode()
    master.refresh_from_db()
    assert master.status == S.REVIEWED
    refused = AuditEntry.objects.get(content_type__model="master", object_id=str(master.pk), to_state="已退回")
    assert refused.outcome == AuditEntry.Outcome.DENIED


@pytest.mark.parametrize(("forged", "status"), [("certified", 409), ("selected", 409), ("bogus", 400), ("", 400)])
def test_a_forged_target_is_refused_and_changes_nothing(world, client_for, forged, status):
    master = submitted(world)
    response = client_for("wang").post(move_url(master), {"to": forged, "expect": "submitted"})
    assert response.status_code == status
    master.refresh_from_db()
    assert master.status == S.SUBMITTED


def test_a_return_without_a_reason_is_refused_with_the_rule(world, client_for):
    master = submitted(world)
    response = client_for("wang").post(
        move_url(master), {"to": "returned", "expect": "submitted", "next": detail_url(master)}, follow=True
    )
    assert "退回必须填写原因" in response.content.decode()
    master.refresh_from_db()
    assert master.status == S.SUBMITTED


# --- what waits for whom -------------------------------------------------------------------------


def test_a_submitted_application_waits_for_the_organizing_units_reviewer_only(world):
    master = submitted(world)
    assert mine(world.wang) == [master]
    assert [w.url for w in waiting_for(world.wang) if w.obj == master] == [detail_url(master)]
    for persona in ("zhang", "zhao", "chen", "sun", "zhou", "yang", "liming"):
        assert mine(getattr(world, persona)) == [], persona
    assert mine(guide_reviewer(world)) == []


def test_a_reviewed_application_waits_for_the_host_unit_only(world):
    master = reviewed(world)
    assert mine(world.zhao) == [master]
    for persona in ("zhang", "wang", "sun", "zhou"):
        assert mine(getattr(world, persona)) == [], persona
    assert mine(guide_reviewer(world)) == []


def test_a_selected_application_waits_for_the_guiding_units_reviewer_only(world):
    master = selected(world)
    assert mine(guide_reviewer(world)) == [master]
    for persona in ("zhang", "wang", "zhao", "sun", "zhou"):
        assert mine(getattr(world, persona)) == [], persona


def test_a_returned_application_waits_for_its_applicant_and_a_certified_one_for_nobody(world):
    master = submitted(world)
    services.master_application_advance(master=master, actor=world.wang, to=S.RETURNED, reason="请补充材料")
    assert mine(world.zhang) == [master]
    assert mine(world.wang) == []
    done = certified(world, applicant(world, "张德润"))
    for person in (world.zhang, world.wang, world.zhao, guide_reviewer(world), done.user):
        assert done not in mine(person)


# --- who hears of each arrival -------------------------------------------------------------------


def test_a_submitted_application_tells_the_organizing_units_reviewer(world):
    told = Told()
    submitted(world)
    assert told() == {"wang": ["传承人申请待审核：张医生（知名专家）"]}


def test_a_reviewed_application_tells_the_applicant_and_the_host_unit(world):
    master = submitted(world)
    told = Told()
    services.master_application_advance(master=master, actor=world.wang, to=S.REVIEWED, reason="材料属实")
    assert told() == {
        "zhang": ["您的传承人申请已通过审核：张医生（知名专家）"],
        "zhao": ["传承人申请待遴选：张医生（知名专家）"],
    }


def test_a_selected_application_tells_the_applicant_and_the_guiding_unit(world):
    master = reviewed(world)
    reviewer = guide_reviewer(world)
    told = Told()
    services.master_application_advance(master=master, actor=world.zhao, to=S.SELECTED, reason="同意入选")
    assert told() == {
        "zhang": ["您的传承人申请已入选：张医生（知名专家）"],
        reviewer.username: ["传承人待认证：张医生（知名专家）"],
    }


def test_a_certified_master_hears_once_from_the_certificate(world):
    master = selected(world)
    told = Told()
    services.master_application_advance(master=master, actor=guide_reviewer(world), to=S.CERTIFIED)
    master.refresh_from_db()
    assert told() == {"zhang": [f"您的传承人证书已颁发（{master.certificate_number}）"]}


def test_a_returned_application_tells_the_applicant_with_the_reason(world):
    master = submitted(world)
    told = Told()
    services.master_application_advance(master=master, actor=world.wang, to=S.RETURNED, reason="请补充职称证书")
    assert told() == {"zhang": ["您的传承人申请已退回，请修改后重新提交：张医生（知名专家）"]}
    notice = Notification.objects.get(recipient=world.zhang)
    assert notice.body == "请补充职称证书" and notice.url == detail_url(master)
    # Resubmitted: the reviewers hear of it again.
    services.master_application_submit(master=master, actor=world.zhang, today=TODAY)
    assert told() == {"wang": ["传承人申请待审核：张医生（知名专家）"]}


@pytest.mark.parametrize("stage", ["submitted", "reviewed", "selected"])
def test_a_rejected_application_tells_the_applicant(world, stage):
    master = {"submitted": submitted, "reviewed": reviewed, "selected": selected}[stage](world)
    actor = {"submitted": world.wang, "reviewed": world.zhao, "selected": guide_reviewer(world)}[stage]
    told = Told()
    services.master_application_advance(master=master, actor=actor, to=S.REJECTED, reason="不符合条件")
    assert told() == {"zhang": ["您的传承人申请未通过：张医生（知名专家）"]}


def test_a_refused_decision_tells_nobody(world, client_for):
    master = submitted(world)
    told = Told()
    client_for("zhao").post(move_url(master), {"to": "reviewed", "expect": "submitted"})
    assert told() == {}


# --- materials -----------------------------------------------------------------------------------


@pytest.fixture
def material(world):
    master = certified(world)
    return services.master_material_add(
        master=master, actor=world.zhang, kind="product", title="通络止痛方", product_type="prescription"
    )


def test_the_master_publishes_a_material_through_the_move_endpoint(world, client_for, material):
    url = reverse("masters:material-list", args=[material.master_id])
    page = client_for("zhang").get(url).content.decode()
    assert 'data-moves="published ' in page and "公开" in page
    told = Told()
    response = client_for("zhang").post(move_url(material), {"to": "published", "expect": "draft", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    material.refresh_from_db()
    assert material.status == MasterMaterial.Status.PUBLISHED
    assert AuditEntry.objects.filter(
        content_type__model="mastermaterial", object_id=str(material.pk), to_state="已公开", actor=world.zhang
    ).exists()
    # The master's own choice concerns nobody else.
    assert told() == {}
    assert 'data-moves="draft ' in client_for("zhang").get(url).content.decode()


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("wang", 404), ("sun", 403), ("chen", 403)])
def test_only_the_master_publishes(world, client_for, material, persona, status):
    response = client_for(persona).post(move_url(material), {"to": "published", "expect": "draft"})
    assert response.status_code == status
    material.refresh_from_db()
    assert material.status == MasterMaterial.Status.DRAFT


def test_a_stale_or_forged_publication_changes_nothing(world, client_for, material):
    zhang = client_for("zhang")
    url = reverse("masters:material-list", args=[material.master_id])
    zhang.post(move_url(material), {"to": "published", "expect": "draft"})
    response = zhang.post(move_url(material), {"to": "published", "expect": "draft", "next": url}, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    assert zhang.post(move_url(material), {"to": "certified", "expect": "published"}).status_code == 400
    material.refresh_from_db()
    assert material.status == MasterMaterial.Status.PUBLISHED


def test_materials_are_nobodys_to_do(world, material):
    for person in (world.zhang, world.sun, world.wang):
        assert [w for w in waiting_for(person) if isinstance(w.obj, MasterMaterial)] == []
