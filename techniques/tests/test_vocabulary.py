"""Managed vocabularies: office staff of the city edit them; a renamed term keeps its records."""

import pytest
from django.core.exceptions import PermissionDenied

from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques.models import Term
from techniques.services import term_create, term_rename
from workflow.models import AuditEntry


def test_a_renamed_term_keeps_every_record_that_uses_it(world):
    technique = declaration_for(world.guo)
    term = Term.objects.get(vocabulary="category", name="小儿推拿")
    term_rename(term=term, actor=world.yang, new_name="小儿推拿疗法", reason="与省级名录统一")
    technique.refresh_from_db()
    assert technique.category.name == "小儿推拿疗法"
    term.refresh_from_db()
    assert term.version == 2
    revision = term.revisions.get()
    assert (revision.old_name, revision.new_name, revision.changed_by) == ("小儿推拿", "小儿推拿疗法", world.yang)
    entry = AuditEntry.objects.get(action="transition", object_id=str(term.pk))
    assert (entry.from_state, entry.to_state) == ("小儿推拿", "小儿推拿疗法")


def test_a_rename_to_an_existing_name_is_refused(world):
    term = Term.objects.get(vocabulary="category", name="小儿推拿")
    with pytest.raises(ApplicationError) as excinfo:
        term_rename(term=term, actor=world.yang, new_name="推拿按摩")
    assert "已在词表中" in excinfo.value.message


def test_county_staff_cannot_edit_the_vocabularies(world, client_for):
    with pytest.raises(PermissionDenied):
        term_create(actor=world.sun, vocabulary="category", name="耳穴压豆")
    assert client_for("sun").get("/techniques/vocabularies/").status_code == 403


def test_the_vocabulary_page_adds_and_renames_terms(world, client_for):
    client = client_for("yang")
    client.post("/techniques/vocabularies/?vocabulary=category", {"name": "耳穴压豆"})
    term = Term.objects.get(vocabulary="category", name="耳穴压豆")
    response = client.post(
        f"/techniques/vocabularies/{term.pk}/rename/", {"new_name": "耳穴贴压", "reason": "规范名称"}, follow=True
    )
    assert "已更名" in response.content.decode()
    assert Term.objects.filter(pk=term.pk, name="耳穴贴压").exists()


def test_the_term_suggestions_come_from_the_reference_lists(world, client_for):
    page = client_for("guo").get("/techniques/terms/suggest/", {"vocabulary": "disease", "q": "积滞"}).content.decode()
    assert '<option value="积滞">' in page
