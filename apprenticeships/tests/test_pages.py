"""The pages: the reviewer's queue with filters and batch actions, the detail page as each persona
sees it, the query-count guards of the lists."""

import pytest

from apprenticeships.models import ApprenticeApplication
from apprenticeships.tests.factories import a_master, draft_for, submitted_for, vetted_for
from masters.tests.factories import applicant

pytestmark = pytest.mark.django_db


def _many(world, n, stage=submitted_for):
    master = a_master(world)
    return [stage(world, [master], user=applicant(world, f"申请人{i}", "140881")) for i in range(n)]


def test_the_queue_costs_the_same_few_queries_for_many_rows(world, client_for, django_assert_max_num_queries):
    _many(world, 6)
    wang = client_for("wang")
    with django_assert_max_num_queries(20):
        response = wang.get("/apprenticeships/review/", {"stage": "submitted", "region": "140881"})
    assert response.status_code == 200 and response.content.decode().count('name="ids"') == 6


def test_the_list_and_the_api_list_are_query_guarded(world, client_for, django_assert_max_num_queries):
    _many(world, 5)
    yang = client_for("yang")
    with django_assert_max_num_queries(15):
        assert yang.get("/apprenticeships/", {"status": "submitted"}).status_code == 200
    with django_assert_max_num_queries(15):
        response = yang.get("/api/v1/apprentice-applications", {"status": "submitted"})
    assert response.json()["count"] == 5


def test_queue_filters_by_master_and_submitted_date(world, client_for):
    _many(world, 2)
    other = submitted_for(world, [a_master(world, "薛荣昌")], user=world.liming)
    wang = client_for("wang")
    page = wang.get("/apprenticeships/review/", {"stage": "submitted", "master": other.intents.get().master_id})
    assert page.content.decode().count('name="ids"') == 1
    assert (
        wang.get("/apprenticeships/review/", {"submitted_from": "2999-01-01"}).content.decode().count('name="ids"') == 0
    )


def test_zhao_approves_a_batch_from_the_queue(world, client_for):
    applications = _many(world, 3, stage=vetted_for)
    response = client_for("zhao").post(
        "/apprenticeships/review/batch/",
        {"ids": [a.pk for a in applications], "to": "approved", "reason": "同意", "stage": "vetted"},
    )
    assert response.status_code == 302
    assert set(ApprenticeApplication.objects.values_list("status", flat=True)) == {"approved"}


def test_liming_sees_where_his_application_stands_and_every_comment(world, client_for):
    from apprenticeships import services

    application = submitted_for(world, [a_master(world)])
    verdicts = {d.pk: ("returned", "请补充盖章页") for d in services.current_documents(application)}
    services.apprentice_application_vet(
        application=application, actor=world.wang, verdicts=verdicts, comment="材料不全"
    )
    page = client_for("liming").get(f"/apprenticeships/applications/{application.pk}/").content.decode()
    assert "已退回修改" in page and "请补充盖章页" in page and "材料不全" in page and "王审核" in page


def test_wang_vets_each_document_from_the_detail_page(world, client_for):
    application = submitted_for(world, [a_master(world)])
    data = {f"verdict_{d.pk}": "accepted" for d in application.documents.all()}
    client_for("wang").post(f"/apprenticeships/applications/{application.pk}/vet/", data)
    application.refresh_from_db()
    assert application.status == "vetted"


def test_a_staff_view_of_an_application_is_logged(world, client_for):
    from workflow.models import AuditEntry

    application = draft_for(world, [a_master(world)])
    client_for("zhou").get(f"/apprenticeships/applications/{application.pk}/")
    assert AuditEntry.objects.filter(action="view_personal", actor=world.zhou, object_id=str(application.pk)).exists()


def test_the_workbench_shows_each_persona_their_to_do(world, client_for):
    from apprenticeships.tests.factories import approved_for, zhang_master

    approved_for(world, [zhang_master(world)])
    submitted_for(world, [a_master(world, "薛荣昌")], user=applicant(world, "王小红", "140881"))
    assert "接受或谢绝师承人：李明" in client_for("zhang").get("/workbench/").content.decode()
    assert "初审师承申请：王小红" in client_for("wang").get("/workbench/").content.decode()
