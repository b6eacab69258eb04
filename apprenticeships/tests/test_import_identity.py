"""A row of 王审核's batch never lands on someone else's account (issue 13 §3): an account found by
the row's phone or ID number is the row's person only when its name and ID number are both the
row's, and never when it is staff's or an expert's; two imports of the same new person at once
register one account, and the other batch is told why."""

import threading

import pytest
from django.db import IntegrityError, connection

from accounts import services as accounts_services
from accounts.models import Membership, User
from apprenticeships import importing
from apprenticeships.models import ApplicationDocument, ApprenticeApplication
from apprenticeships.tests.factories import a_master
from apprenticeships.tests.test_import import FILES, _row, _workbook, _zip
from chuancheng.demo import demo_id_number
from chuancheng.test import build_world, ensure_regions
from lib import fieldcrypt, imports
from lib.errors import ConflictError

NEW_ID_NUMBER = demo_id_number("140881", "19900315", 501)  # 王小红's, registered nowhere


def _import(world, rows: list[dict]):
    return importing.application_import(
        actor=world.wang, organization=world.organizer, workbook=_workbook(rows), archive=_zip(FILES)
    )


def _issues(result) -> set[tuple]:
    return {(e.row, e.column, e.rule) for e in result.errors}


@pytest.mark.django_db
def test_a_registered_person_whose_name_and_id_number_match_is_reused(world):
    liming, master = world.liming, a_master(world)
    users = User.objects.count()
    row = _row(world, master, **{"姓名": "李明", "手机号码": liming.phone, "身份证号码": liming.id_number})
    result = _import(world, [row])
    assert result.ok, [str(e) for e in result.errors]
    assert ApprenticeApplication.objects.get(pk=result.created[0]).applicant == liming
    assert User.objects.count() == users


@pytest.mark.django_db
def test_the_same_person_with_a_new_phone_is_reused_by_name_and_id_number(world):
    liming = world.liming
    row = _row(world, a_master(world), **{"姓名": "李 明", "身份证号码": liming.id_number})
    result = _import(world, [row])
    assert result.ok, [str(e) for e in result.errors]
    assert ApprenticeApplication.objects.get(pk=result.created[0]).applicant == liming
    liming.refresh_from_db()
    assert liming.phone == "13903590013"  # the account's own phone is not the import's to change


@pytest.mark.django_db
def test_another_persons_phone_refuses_the_row_with_the_reason_and_writes_nothing(world):
    liming, master = world.liming, a_master(world)
    users, memberships = User.objects.count(), Membership.objects.count()
    rows = [
        _row(world, master, **{"手机号码": liming.phone}),  # another name, no ID number
        _row(world, master, **{"姓名": "李明", "手机号码": liming.phone, "身份证号码": NEW_ID_NUMBER}),
    ]
    result = _import(world, rows)
    assert not result.ok
    rule = str(importing.PHONE_TAKEN)
    assert {(2, "手机号码*", rule), (3, "手机号码*", rule)} <= _issues(result)
    assert "联系单位管理员" in rule and "已登记在平台的另一账号下" in rule
    told = " ".join(str(e) for e in result.errors)
    assert liming.id_number not in told and liming.username not in told
    assert not ApprenticeApplication.objects.exists() and not ApplicationDocument.objects.exists()
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


@pytest.mark.django_db
def test_another_persons_id_number_refuses_the_row(world):
    liming = world.liming
    result = _import(world, [_row(world, a_master(world), **{"身份证号码": liming.id_number})])
    assert not result.ok and not ApprenticeApplication.objects.exists()
    assert (2, "身份证号码", str(importing.ID_NUMBER_TAKEN)) in _issues(result)
    assert not liming.memberships.filter(role=Membership.Role.APPLICANT).exists()


@pytest.mark.django_db
def test_an_experts_phone_is_refused_and_the_expert_gets_no_membership_or_application(world):
    chen, master = world.chen, a_master(world)
    before = set(chen.memberships.values_list("organization_id", "role"))
    rows = [
        _row(world, master, **{"手机号码": chen.phone}),
        # Even as himself, an expert is not someone's applicant by batch.
        _row(world, master, **{"姓名": "陈专家", "手机号码": chen.phone, "身份证号码": chen.id_number}),
    ]
    result = _import(world, rows)
    assert not result.ok
    found = _issues(result)
    assert (2, "手机号码*", str(importing.PHONE_TAKEN)) in found
    assert (3, "手机号码*", str(importing.STAFF_ACCOUNT)) in found
    assert set(chen.memberships.values_list("organization_id", "role")) == before
    assert not ApprenticeApplication.objects.filter(applicant=chen).exists()


@pytest.mark.django_db
def test_rows_of_one_batch_with_the_same_phone_are_one_person_and_must_agree(world):
    first, second = a_master(world), a_master(world, "薛荣昌")
    users = User.objects.count()
    result = _import(world, [_row(world, first), _row(world, second)])
    assert result.ok, [str(e) for e in result.errors]
    assert User.objects.count() == users + 1
    assert {a.applicant_id for a in ApprenticeApplication.objects.all()} == {
        User.objects.get(phone_hash=fieldcrypt.phone_hash("13903591234")).pk
    }
    again = _import(
        world,
        [
            _row(world, first, **{"手机号码": "13903591235"}),
            _row(
                world,
                second,
                **{
                    "姓名": "赵六",
                    "手机号码": "13903591235",
                },
            ),
        ],
    )
    assert not again.ok
    assert (3, "手机号码*", "与第 2 行的手机号码相同，但姓名或身份证号码不同") in _issues(again)


@pytest.mark.django_db
def test_one_account_per_phone_and_id_number_whatever_the_way_in(world):
    with pytest.raises(ConflictError, match="该手机号码已登记"):
        accounts_services.user_create(username="twin", password=None, full_name="某人", phone="+86 139 0359 0013")
    with pytest.raises(ConflictError, match="该身份证号码已登记"):
        accounts_services.user_create(
            username="twin", password=None, full_name="某人", id_number=world.liming.id_number
        )
    assert world.liming.phone_hash == fieldcrypt.phone_hash("139-0359-0013")
    with pytest.raises(IntegrityError):  # the database holds the line for any other writer
        User.objects.create(username="twin", phone=world.liming.phone)


# --- two imports of the same new person at once ----------------------------------------------------


@pytest.fixture
def committed_world(transactional_db):
    ensure_regions()
    return build_world()


def _imported_twice_at_once(world, monkeypatch, workbook: bytes, archive: bytes) -> list:
    """Real threads, each with its own connection, released together once both batches are checked
    (so both saw the same state). PostgreSQL writes both at once: the second insert waits on a
    unique index and fails when the first commits. SQLite allows one writer at a time anyway, and
    its shared in-memory test database reports "table is locked" instead of waiting, so there the
    two (both holding the stale check) take turns. Returns what each import returned or raised."""
    check, both_checked = imports.check, threading.Barrier(2)
    turns = threading.Lock() if connection.vendor == "sqlite" else None
    mine = threading.local()

    def check_then_wait(*args, **kwargs):
        rows = check(*args, **kwargs)
        both_checked.wait(timeout=20)
        if turns is not None:
            turns.acquire()
            mine.turn = True
        return rows

    monkeypatch.setattr(imports, "check", check_then_wait)
    # Each its own username, so that the unique phone and ID-number hashes are what decide.
    monkeypatch.setattr(importing, "_free_username", lambda phone: f"m{phone}-{threading.get_ident()}")
    outcomes: list = [None, None]

    def run(i):
        try:
            outcomes[i] = importing.application_import(
                actor=world.wang, organization=world.organizer, workbook=workbook, archive=archive
            )
        except Exception as exc:  # noqa: BLE001  (the outcome under test)
            outcomes[i] = exc
        finally:
            if getattr(mine, "turn", False):
                turns.release()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(o, importing.ImportResult) for o in outcomes), outcomes  # never a 500
    return outcomes


def _one_won(outcomes: list, rule) -> None:
    won, lost = [o for o in outcomes if o.ok], [o for o in outcomes if not o.ok]
    assert len(won) == 1 and len(lost) == 1, [[str(e) for e in o.errors] for o in outcomes]
    assert {(e.row, e.rule) for e in lost[0].errors} == {(2, str(rule))}


def test_two_imports_of_the_same_new_person_at_once_register_one_account(committed_world, monkeypatch):
    world = committed_world
    row = _row(world, a_master(world), **{"身份证号码": NEW_ID_NUMBER})
    users = User.objects.count()
    outcomes = _imported_twice_at_once(world, monkeypatch, _workbook([row]), _zip(FILES))
    _one_won(outcomes, importing.JUST_REGISTERED)
    made = User.objects.get(phone_hash=fieldcrypt.phone_hash("13903591234"))
    assert User.objects.count() == users + 1 and made.id_number == NEW_ID_NUMBER
    assert ApprenticeApplication.objects.get().applicant == made


def test_two_imports_of_a_registered_person_at_once_file_one_application(committed_world, monkeypatch):
    world = committed_world
    liming = world.liming
    row = _row(world, a_master(world), **{"姓名": "李明", "手机号码": liming.phone, "身份证号码": liming.id_number})
    users = User.objects.count()
    outcomes = _imported_twice_at_once(world, monkeypatch, _workbook([row]), _zip(FILES))
    _one_won(outcomes, importing.JUST_FILED)
    assert User.objects.count() == users
    assert ApprenticeApplication.objects.get().applicant == liming
    assert liming.memberships.filter(role=Membership.Role.APPLICANT).count() == 1
