"""ID numbers: encrypted in the database, masked on screen except for the few who need them,
and every view of a person's data is logged."""

from django.db import connection

from accounts.models import User
from lib import fieldcrypt
from workflow.models import AuditEntry


def test_a_database_dump_does_not_reveal_id_numbers(world):
    number = world.sun.id_number
    assert len(number) == 18
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [world.sun.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert number not in row and number[:14] not in row


def test_an_id_number_is_found_by_its_keyed_hash(world):
    number = world.sun.id_number
    assert User.objects.get(id_number_hash=fieldcrypt.keyed_hash(number)) == world.sun


def test_a_reviewer_sees_the_id_number_masked_and_the_view_is_logged(world, client_for):
    # 王审核 reviews for the organizing unit; 张医生's record is not his unit's, so give him one.
    from accounts import services

    services.membership_grant(user=world.zhang, organization=world.organizer, role="applicant")
    page = client_for("wang").get(f"/accounts/people/{world.zhang.pk}/").content.decode()
    number = world.zhang.id_number
    assert number not in page
    assert f"{number[:6]}********{number[-4:]}" in page
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PERSONAL).get()
    assert entry.actor == world.wang and entry.object_id == str(world.zhang.pk) and "脱敏" in entry.reason


def test_county_office_staff_see_the_full_number(world, client_for):
    page = client_for("sun").get(f"/accounts/people/{world.zhang.pk}/").content.decode()
    assert world.zhang.id_number in page
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PERSONAL, actor=world.sun).exists()


def test_a_person_sees_their_own_number(world, client_for):
    page = client_for("liming").get("/accounts/profile/", follow=True).content.decode()
    assert world.liming.id_number in page


def test_staff_of_another_county_get_404_for_a_person(world, client_for):
    assert client_for("zhou").get(f"/accounts/people/{world.zhang.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_PERSONAL).exists()


def test_a_malformed_id_number_is_refused_with_the_rule(world):
    import pytest
    from django.core.exceptions import ValidationError

    from accounts.services import user_create
    from lib.identifiers import resident_id_check_char

    first17 = "14080219800101001"
    wrong = "0" if resident_id_check_char(first17) != "0" else "1"
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="bad", password=None, full_name="错号", id_number=first17 + wrong)
    assert "校验位" in str(excinfo.value)
    assert not User.objects.filter(username="bad").exists()


# --- phones (issue 13 §12) ----------------------------------------------------------------------


def test_a_database_dump_does_not_reveal_phones(world):
    phone = world.sun.phone
    assert len(phone) == 11
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user")
        dump = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert phone not in dump and phone[-8:] not in dump
    fresh = User.objects.get(pk=world.sun.pk)
    assert fresh.phone == phone and fresh.phone_encrypted and phone not in fresh.phone_encrypted


def test_a_phone_is_found_by_its_keyed_hash_in_any_formatting(world):
    phone = world.sun.phone
    spaced = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    assert User.objects.get(phone_hash=fieldcrypt.phone_hash(spaced)) == world.sun


def test_a_new_accounts_phone_is_stored_in_its_eleven_digits_and_a_bad_one_refused(world):
    import pytest
    from django.core.exceptions import ValidationError

    from accounts.services import user_create

    person = user_create(username="fmt", password=None, full_name="格式", phone="+86 138-0359-0001")
    assert User.objects.get(pk=person.pk).phone == "13803590001"
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="bad", password=None, full_name="错号", phone="1380359")
    assert "phone" in excinfo.value.message_dict and not User.objects.filter(username="bad").exists()


def test_the_admin_finds_a_person_by_phone_and_edits_it(world, client_for):
    admin = client_for("admin")
    listing = admin.get("/admin/accounts/user/", {"q": world.zhou.phone}).content.decode()
    assert "zhou" in listing and f"/admin/accounts/user/{world.sun.pk}/change/" not in listing
    page = admin.get(f"/admin/accounts/user/{world.sun.pk}/change/").content.decode()
    assert world.sun.phone in page
    from accounts.tests.test_admin import _change_form

    response = admin.post(
        f"/admin/accounts/user/{world.sun.pk}/change/", _change_form(world.sun, phone="139 0359 8888")
    )
    assert response.status_code == 302
    assert User.objects.get(pk=world.sun.pk).phone == "13903598888"
    response = admin.post(f"/admin/accounts/user/{world.sun.pk}/change/", _change_form(world.sun, phone="12345"))
    assert response.status_code == 200 and "手机号码" in response.content.decode()
