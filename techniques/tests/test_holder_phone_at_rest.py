"""A technique holder's phone is stored encrypted, like their ID number (issue 13 §12): a copied
database shows neither, and the page the holder's own declarant sees still shows it."""

from django.db import connection

from chuancheng.test import declaration_for
from techniques import services
from techniques.models import TechniqueHolder

PHONE = "13903590077"


def test_a_holders_phone_is_not_in_the_database_in_clear(world):
    technique = declaration_for(world.guo)
    holder = technique.holders.get()
    holder.phone = f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}"
    holder.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM techniques_techniqueholder WHERE id = %s", [holder.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert PHONE not in row and PHONE[3:7] not in row
    assert TechniqueHolder.objects.get(pk=holder.pk).phone.replace(" ", "").endswith(PHONE)
    assert holder.phone_hash


def test_an_edit_that_keeps_the_phone_is_not_a_change_and_one_that_changes_it_is(world):
    from workflow.models import AuditEntry

    technique = declaration_for(world.guo)
    data = services.HolderData(name="郭秀兰", phone=PHONE)
    services.technique_update(technique=technique, actor=world.guo, holders=[data])
    edits = AuditEntry.objects.filter(object_id=str(technique.pk), to_state="已修改").count()
    services.technique_update(technique=technique, actor=world.guo, holders=[data])
    assert AuditEntry.objects.filter(object_id=str(technique.pk), to_state="已修改").count() == edits
    services.technique_update(
        technique=technique, actor=world.guo, holders=[services.HolderData(name="郭秀兰", phone="13903590078")]
    )
    assert AuditEntry.objects.filter(object_id=str(technique.pk), to_state="已修改").count() == edits + 1
    assert technique.holders.get().phone == "13903590078"
