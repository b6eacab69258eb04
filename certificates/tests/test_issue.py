"""Issuing certificates: numbers, signatures, one valid certificate per subject, the audit row."""

import datetime

import pytest

from certificates import signing
from certificates.models import Certificate, NumberSequence
from certificates.services import certificate_issue
from certificates.tests.factories import master_certificate
from lib.errors import ApplicationError, ConflictError
from masters.tests.factories import guide_reviewer
from notifications.models import Notification
from workflow.models import AuditEntry


def test_certifying_zhang_issues_a_signed_master_certificate(world):
    certificate = master_certificate(world)
    year = certificate.issued_on.year
    assert certificate.number == f"CCM-{year}-000001"
    assert certificate.kind == "master" and certificate.is_valid
    assert certificate.holder == world.zhang and certificate.holder_name == "张医生"
    assert certificate.master.certificate_number == certificate.number
    assert certificate.issuer == world.guide
    assert certificate.subject == certificate.master
    assert signing.signature_valid(signing.payload_for(certificate), certificate.signature)
    assert AuditEntry.objects.filter(object_id=str(certificate.pk), reason__contains=certificate.number).exists()
    assert Notification.objects.filter(recipient=world.zhang, title__contains=certificate.number).exists()


def test_numbers_follow_each_other_and_skip_a_number_already_taken(world):
    first = master_certificate(world)
    year = first.issued_on.year
    apprentice_holder = world.liming
    # A number given by hand (the demo's) that the sequence would reach next is skipped.
    taken = certificate_issue(
        kind="master",
        holder=apprentice_holder,
        holder_name="李明",
        master=first.master,
        issuer=world.guide,
        actor=world.admin,
        subject=world.liming,
        number=f"CCM-{year}-000002",
    )
    assert taken.number == f"CCM-{year}-000002"
    third = certificate_issue(
        kind="apprentice",
        holder=apprentice_holder,
        holder_name="李明",
        master=first.master,
        issuer=world.host,
        actor=world.zhao,
        subject=world.liming,
        term_start=datetime.date(2025, 3, 1),
        term_end=datetime.date(2026, 2, 28),
    )
    assert third.number == f"CCA-{year}-000001"
    assert NumberSequence.objects.get(prefix="CCA", year=year).last == 1
    fourth = certificate_issue(
        kind="master",
        holder=world.chen,
        holder_name="陈专家",
        master=first.master,
        issuer=world.guide,
        actor=world.admin,
        subject=world.chen,
    )
    assert fourth.number == f"CCM-{year}-000003"


def test_a_second_valid_certificate_for_the_same_subject_is_refused(world):
    certificate = master_certificate(world)
    with pytest.raises(ConflictError, match="不能重复颁发"):
        certificate_issue(
            kind="master",
            holder=world.zhang,
            holder_name="张医生",
            master=certificate.master,
            issuer=world.guide,
            actor=guide_reviewer(world),
            subject=certificate.master,
        )
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"holder_name": " "}, "持证人姓名"),
        ({"kind": "diploma"}, "未知的证书类别"),
        ({"term_start": datetime.date(2026, 3, 1), "term_end": datetime.date(2025, 3, 1)}, "结束日期不能早于开始日期"),
        ({"number": "CC-DEMO-0001"}, "已被使用"),
        ({"number": "晋师承/2026/001"}, "不能含空格、/"),
        ({"number": "CC 2026 001"}, "不能含空格"),
        ({"number": "CC-2026-001?c=1"}, "不能含空格、/"),
        ({"number": "C" * 33}, "最长 32 个字符"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world, fields, message):
    existing = master_certificate(world)
    if fields.get("number"):
        Certificate.objects.filter(pk=existing.pk).update(number="CC-DEMO-0001")
    values = dict(
        kind="apprentice",
        holder=world.liming,
        holder_name="李明",
        master=existing.master,
        issuer=world.host,
        actor=world.zhao,
        subject=world.liming,
    )
    values.update(fields)
    with pytest.raises(ApplicationError, match=message):
        certificate_issue(**values)
    assert Certificate.objects.count() == 1
