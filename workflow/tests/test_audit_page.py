"""The filtered audit page for office staff, and its CSV export."""

import csv
import io

from accounts.services import workstation_decide
from workflow.models import AuditEntry
from workflow.services import audit_record


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_office_staff_see_the_audit_rows_of_their_region_only(world, client_for, django_assert_max_num_queries):
    audit_record(action="create", actor=world.admin, obj=world.yongji_tcm, organization=world.yongji_tcm)
    audit_record(action="create", actor=world.admin, obj=world.city_tcm, organization=world.city_tcm)
    client = client_for("sun")
    with django_assert_max_num_queries(12):
        page = client.get("/audit/", {"action": "create"}).content.decode()
    assert "运城市中医医院" in page and "永济市中医医院" not in page


def test_the_audit_page_filters_by_actor_action_and_outcome(world, client_for):
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="材料齐全")
    client = client_for("yang")
    page = client.get("/audit/", {"actor": "zhao", "action": "transition"}).content.decode()
    assert "材料齐全" in page
    page = client.get("/audit/", {"actor": "zhao", "outcome": "denied"}).content.decode()
    assert "材料齐全" not in page and "没有符合条件的记录" in page


def test_a_bad_date_range_is_explained(world, client_for):
    page = client_for("yang").get("/audit/", {"since": "2026-05-01", "until": "2026-04-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in page


def test_the_csv_export_has_chinese_headers_and_is_itself_audited(world, client_for):
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="材料齐全")
    response = client_for("yang").get("/audit/export.csv", {"action": "transition"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:4] == ["时间", "操作人", "单位", "操作"]
    assert any(r[1] == "zhao" and r[7] == "待批准" and r[8] == "有效" and r[9] == "材料齐全" for r in rows[1:])
    assert AuditEntry.objects.filter(action="export", actor=world.yang).exists()


def test_people_without_the_office_role_get_403(world, client_for):
    assert client_for("zhang").get("/audit/").status_code == 403
    assert client_for("zhang").get("/audit/export.csv").status_code == 403
