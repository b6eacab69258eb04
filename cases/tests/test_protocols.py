"""Protocols (MST-4): 张医生 drafts a diagnosis-and-treatment protocol from his analysis, edits and
publishes it through the workflow; the public reads the published version with its evidence; a
revision is a new version."""

import pytest

from cases.importing import cases_import
from cases.models import Protocol, ProtocolVersion
from cases.selectors import published_protocols
from cases.services import Selection, analysis_run, protocol_advance, protocol_create, protocol_update
from cases.tests.sheets import row, sheet
from lib.errors import ApplicationError, ConflictError
from notifications.models import Notification
from workflow.models import AuditEntry

TEXT = dict(
    title="不寐心肾不交证诊疗方案",
    disease="不寐",
    syndrome="心肾不交证",
    diagnosis="失眠多梦，心烦，舌红少苔，脉细数",
    principle="滋阴降火，交通心肾",
    prescription="酸枣仁30g 川芎6g 知母10g 茯苓15g 甘草6g",
)


@pytest.fixture
def analysis(world):
    rows = [row(name=f"患者{i}") for i in range(10)]
    assert cases_import(actor=world.zhang, owner=world.zhang, data=sheet(rows)).ok
    return analysis_run(actor=world.zhang, selection=Selection(subject_id=world.zhang.pk, disease="不寐"))


def test_zhang_drafts_edits_and_publishes_a_protocol(world, analysis, client_for):
    c = client_for("zhang")
    form = c.get(f"/cases/analyses/{analysis.pk}/protocol/").content.decode()
    assert "不寐诊疗方案" in form and "核心药物" in form
    response = c.post(f"/cases/analyses/{analysis.pk}/protocol/", TEXT)
    protocol = Protocol.objects.get()
    assert response.status_code == 302 and protocol.status == "draft" and protocol.analysis == analysis
    assert c.post(f"/cases/protocols/{protocol.pk}/edit/", {**TEXT, "cautions": "孕妇慎用"}).status_code == 302
    c.post(f"/cases/protocols/{protocol.pk}/advance/", {"to": "published"})
    protocol.refresh_from_db()
    assert protocol.status == "published" and protocol.version == 1
    version = ProtocolVersion.objects.get(protocol=protocol)
    assert version.content["cautions"] == "孕妇慎用" and version.analysis == analysis
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TRANSITION, object_id=str(protocol.pk)).exists()
    # 张医生 published it himself: the notice goes to the staff who oversee his unit's protocols
    # (the workflow core tells nobody of their own move).
    told = Notification.objects.filter(title="诊疗方案「不寐心肾不交证诊疗方案」第 1 版已发布")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["sun", "yang"]


def test_the_public_reads_the_published_version_with_its_evidence(world, analysis, client):
    protocol = protocol_create(actor=world.zhang, analysis=analysis, **TEXT)
    assert client.get(f"/cases/protocols/{protocol.pk}/").status_code == 404
    protocol_advance(protocol=protocol, actor=world.zhang, to="published")
    page = client.get(f"/cases/protocols/{protocol.pk}/").content.decode()
    assert "滋阴降火，交通心肾" in page and f"处方挖掘分析 #{analysis.pk}" in page and "最小支持度 0.1" in page
    assert list(published_protocols(world.zhang)) == [protocol]


def test_a_revision_is_a_new_draft_while_the_public_keeps_the_last_version(world, analysis, client):
    protocol = protocol_create(actor=world.zhang, analysis=analysis, **TEXT)
    protocol_advance(protocol=protocol, actor=world.zhang, to="published")
    protocol_advance(protocol=protocol, actor=world.zhang, to="draft", reason="补充加减")
    protocol_update(protocol=protocol, actor=world.zhang, **{**TEXT, "principle": "滋阴清热，宁心安神"})
    assert "滋阴降火，交通心肾" in client.get(f"/cases/protocols/{protocol.pk}/").content.decode()
    protocol_advance(protocol=protocol, actor=world.zhang, to="published")
    protocol.refresh_from_db()
    assert protocol.version == 2 and protocol.versions.count() == 2
    assert "滋阴清热，宁心安神" in client.get(f"/cases/protocols/{protocol.pk}/").content.decode()
    protocol_advance(protocol=protocol, actor=world.zhang, to="withdrawn")
    assert client.get(f"/cases/protocols/{protocol.pk}/").status_code == 404
    assert not published_protocols(world.zhang).exists()


def test_a_published_protocol_is_not_edited_in_place(world, analysis):
    protocol = protocol_create(actor=world.zhang, analysis=analysis, **TEXT)
    protocol_advance(protocol=protocol, actor=world.zhang, to="published")
    with pytest.raises(ConflictError, match="只能修改草稿"):
        protocol_update(protocol=protocol, actor=world.zhang, **TEXT)


def test_a_required_section_left_empty_is_named(world, analysis):
    with pytest.raises(ApplicationError, match="治则治法为必填项"):
        protocol_create(actor=world.zhang, analysis=analysis, **{**TEXT, "principle": ""})


@pytest.mark.parametrize(("persona", "status"), [("sun", 403), ("zhou", 404), ("liming", 404)])
def test_only_zhang_publishes_his_protocol(world, analysis, client_for, persona, status):
    protocol = protocol_create(actor=world.zhang, analysis=analysis, **TEXT)
    response = client_for(persona).post(f"/cases/protocols/{protocol.pk}/advance/", {"to": "published"})
    assert response.status_code == status
    protocol.refresh_from_db()
    assert protocol.status == "draft"


def test_only_masters_draft(world, analysis, client_for):
    assert client_for("sun").get(f"/cases/analyses/{analysis.pk}/protocol/").status_code == 403


def test_the_api_drafts_publishes_and_serves_the_public(world, analysis, client_for, client):
    c = client_for("zhang")
    created = c.post(f"/api/v1/case-analyses/{analysis.pk}/protocols", TEXT, content_type="application/json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.get(f"/api/v1/protocols/{pk}").status_code == 404
    updated = c.put(f"/api/v1/protocols/{pk}/draft", {**TEXT, "cautions": "忌辛辣"}, content_type="application/json")
    assert updated.json()["cautions"] == "忌辛辣"
    published = c.post(f"/api/v1/protocols/{pk}/advance", {"to": "published"}, content_type="application/json")
    assert published.json()["version"] == 1
    public = client.get(f"/api/v1/protocols?owner={world.zhang.pk}").json()
    assert public["count"] == 1 and public["items"][0]["analysis"] == analysis.pk
    wrong = c.post(f"/api/v1/protocols/{pk}/advance", {"to": "published"}, content_type="application/json")
    assert wrong.status_code == 409


def test_the_protocol_list_makes_a_fixed_number_of_queries(world, analysis, client, django_assert_max_num_queries):
    for i in range(12):
        protocol = protocol_create(actor=world.zhang, analysis=analysis, **{**TEXT, "title": f"方案{i}"})
        protocol_advance(protocol=protocol, actor=world.zhang, to="published")
    with django_assert_max_num_queries(8):
        page = client.get("/cases/protocols/").content.decode()
    assert page.count("方案") >= 12
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/protocols").json()["count"] == 12
