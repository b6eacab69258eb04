"""Content edits of a declaration are audited (issue 13 §6): one row per edit that changed
something, naming the fields that changed and never their values."""

import pytest

from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques import services
from techniques.models import Technique
from techniques.tests.test_declaration import _form
from workflow.models import AuditEntry


def _edits(technique: Technique):
    return AuditEntry.objects.filter(
        content_type__model="technique", object_id=str(technique.pk), to_state="已修改"
    ).order_by("pk")


def test_an_edit_is_logged_with_the_names_of_the_fields_it_changed_not_their_values(world):
    technique = declaration_for(world.guo)
    services.technique_update(
        technique=technique, actor=world.guo, name="郭氏推拿消积法", operation_method="揉中脘二百次。"
    )
    entry = _edits(technique).get()
    assert entry.actor == world.guo and entry.action == AuditEntry.Action.TRANSITION
    assert entry.from_state == "草稿"
    assert entry.reason == "修改了：技术名称、操作方法或制备工艺"
    assert "揉中脘" not in entry.reason and "消积法" not in entry.reason


def test_a_change_of_holders_or_terms_is_named_but_the_holders_identity_is_not(world):
    technique = declaration_for(world.guo)
    holder = services.HolderData(name="郭秀兰", id_number="140821199001011236", phone="13903590077")
    services.technique_update(technique=technique, actor=world.guo, holders=[holder], diseases=[])
    reason = _edits(technique).get().reason
    assert "技术持有人" in reason and "治疗病种" in reason
    assert "140821199001011236" not in reason and "13903590077" not in reason


def test_saving_without_a_change_writes_no_row(world):
    technique = declaration_for(world.guo)
    services.technique_update(technique=technique, actor=world.guo, name=technique.name)
    assert not _edits(technique).exists()


def test_a_refused_edit_writes_no_row(world):
    technique = declaration_for(world.guo, submit=True)
    with pytest.raises(ApplicationError):
        services.technique_update(technique=technique, actor=world.guo, name="改名")
    assert not _edits(technique).exists()


def test_the_edit_page_is_audited_too(world, client_for):
    technique = declaration_for(world.guo)
    response = client_for("guo").post(
        f"/techniques/manage/{technique.pk}/edit/", _form(region_code=technique.region_id, name="郭氏捏脊法")
    )
    assert response.status_code == 302
    entry = _edits(technique).get()
    assert entry.actor == world.guo and "技术名称" in entry.reason and "郭氏捏脊法" not in entry.reason
    # The page's history shows the edit.
    page = client_for("guo").get(f"/techniques/manage/{technique.pk}/").content.decode()
    assert "修改了：" in page
