"""The case pages answer within scope: the owner, the county's and city's office staff; another
county's staff get 404; list pages make a fixed number of queries however many cases there are."""

import pytest

from cases.importing import cases_import
from cases.models import CaseRecord
from cases.services import Selection, analysis_run
from cases.tests.sheets import row, sheet
from workflow.models import AuditEntry


def _import(world, n):
    rows = [row(name=f"病人{i}", composition="黄芪30g;当归10g;白术10g") for i in range(n)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok


@pytest.mark.parametrize(
    ("persona", "status"), [("zhang", 200), ("sun", 200), ("yang", 200), ("zhou", 404), ("liming", 404), ("chen", 403)]
)
def test_a_case_is_seen_by_zhang_and_his_countys_staff_only(world, client_for, persona, status):
    _import(world, 1)
    case = CaseRecord.objects.get()
    assert client_for(persona).get(f"/cases/{case.pk}/").status_code == status


def test_viewing_a_case_is_audited(world, client_for):
    _import(world, 1)
    case = CaseRecord.objects.get()
    client_for("sun").get(f"/cases/{case.pk}/")
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW_PERSONAL, actor=world.sun, object_id=str(case.pk)
    ).exists()


def test_zhou_from_another_county_sees_an_empty_list(world, client_for):
    _import(world, 3)
    page = client_for("zhou").get("/cases/").content.decode()
    assert "没有可查看的病案" in page


def test_an_analysis_is_404_for_another_countys_staff(world, client_for):
    _import(world, 3)
    analysis = analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    assert client_for("sun").get(f"/cases/analyses/{analysis.pk}/").status_code == 200
    assert client_for("zhou").get(f"/cases/analyses/{analysis.pk}/").status_code == 404
    assert client_for("zhou").get(f"/cases/analyses/{analysis.pk}/export.xlsx").status_code == 404


@pytest.mark.parametrize("persona", ["zhang", "sun"])
def test_the_case_list_makes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries, persona):
    _import(world, 25)
    c = client_for(persona)
    with django_assert_max_num_queries(10):
        page = c.get("/cases/").content.decode()
    assert page.count("患者-") == 25


def test_the_case_detail_makes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    rows = [row(composition=f"黄芪{i + 10}g;当归10g;白术10g") for i in range(12)]
    cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows))
    case = CaseRecord.objects.get()
    c = client_for("zhang")
    with django_assert_max_num_queries(16):
        page = c.get(f"/cases/{case.pk}/").content.decode()
    assert page.count("第 ") >= 12


def test_the_analysis_list_makes_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    _import(world, 5)
    for _ in range(8):
        analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk))
    c = client_for("zhang")
    with django_assert_max_num_queries(10):
        assert c.get("/cases/analyses/new/").status_code == 200
