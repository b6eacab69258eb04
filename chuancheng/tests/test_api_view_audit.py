"""Reading personal data through the API is on the record as it is through the pages (issue 13 §6):
a case, an apprenticeship's teaching record, a certificate, an application — one VIEW_PERSONAL
row per read by anyone but the record's own people, with the same reason the page writes."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from accounts.services import api_token_create
from cases import services as case_services
from certificates.tests.factories import master_certificate
from teaching.tests.factories import apprenticeship_for, plan_for
from workflow.models import AuditEntry

API = "/api/v1"


def views_of(obj) -> list[tuple[int, str]]:
    rows = AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW_PERSONAL,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
    )
    return list(rows.order_by("pk").values_list("actor_id", "reason"))


@pytest.fixture
def api_as(world):
    def make(name: str) -> Client:
        token = api_token_create(user=getattr(world, name), name="audit")[1]
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make


def test_reading_a_case_through_the_api_writes_a_view_row(world, api_as):
    visit = case_services.VisitInput(prescriptions=(case_services.PrescriptionInput(composition="黄芪30g 当归10g"),))
    case, _visit = case_services.case_create(actor=world.zhang, patient="王某", visit=visit)
    assert views_of(case) == []
    assert api_as("admin").get(f"{API}/cases/{case.pk}").status_code == 200
    assert views_of(case) == [(world.admin.pk, "查看病案")]


def test_a_refused_read_of_a_case_writes_no_view_row(world, api_as):
    visit = case_services.VisitInput(prescriptions=(case_services.PrescriptionInput(composition="黄芪30g"),))
    case, _visit = case_services.case_create(actor=world.zhang, patient="王某", visit=visit)
    assert api_as("zhou").get(f"{API}/cases/{case.pk}").status_code == 404
    assert views_of(case) == []


def test_reading_fidelity_through_the_api_writes_a_view_row(world, api_as):
    apprenticeship = apprenticeship_for(world)
    assert api_as("admin").get(f"{API}/apprenticeships/{apprenticeship.pk}/fidelity").status_code == 200
    assert views_of(apprenticeship) == [(world.admin.pk, "查看传承符合度（病案）")]


def test_reading_a_teaching_record_through_the_api_is_logged_for_others_not_for_its_parties(world, api_as):
    apprenticeship = apprenticeship_for(world)
    plan_for(world, apprenticeship)
    admin = api_as("admin")
    for path in ("progress", "plan", "activities", "graduation"):
        assert admin.get(f"{API}/teaching/apprenticeships/{apprenticeship.pk}/{path}").status_code == 200, path
    assert views_of(apprenticeship) == [
        (world.admin.pk, "带教进度"),
        (world.admin.pk, "带教计划"),
        (world.admin.pk, "带教活动记录"),
        (world.admin.pk, "结业材料"),
    ]
    for name in ("zhang", "liming"):
        assert api_as(name).get(f"{API}/teaching/apprenticeships/{apprenticeship.pk}/progress").status_code == 200
    assert len(views_of(apprenticeship)) == 4


def test_reading_a_certificate_through_the_api_is_logged_for_others_not_for_its_holder(world, api_as):
    certificate = master_certificate(world)
    assert api_as("zhang").get(f"{API}/certificates/{certificate.number}").status_code == 200
    assert views_of(certificate) == []
    admin = api_as("admin")
    assert admin.get(f"{API}/certificates/{certificate.number}").status_code == 200
    assert admin.get(f"{API}/certificates/{certificate.number}/pdf").status_code == 200
    assert views_of(certificate) == [(world.admin.pk, "查看证书"), (world.admin.pk, "查看证书")]


def test_reading_an_application_through_the_api_is_logged_for_others_not_for_the_applicant(world, api_as):
    from apprenticeships.tests.factories import draft_for, zhang_master

    application = draft_for(world, [zhang_master(world)], documents=False)
    assert api_as("liming").get(f"{API}/apprentice-applications/{application.pk}").status_code == 200
    assert views_of(application) == []
    assert api_as("admin").get(f"{API}/apprentice-applications/{application.pk}").status_code == 200
    assert views_of(application) == [(world.admin.pk, "师承申请")]
