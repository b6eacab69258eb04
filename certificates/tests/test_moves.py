"""A certificate's one move, revocation, through the workflow core: the button, the move endpoint,
the to-do list (none) and who hears of it; and the one notice a holder gets for a certificate."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke
from certificates.tests.factories import master_certificate
from masters.tests.factories import guide_reviewer
from notifications.models import Notification
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

pytestmark = pytest.mark.django_db
S = Certificate.Status


def move_url(certificate) -> str:
    return reverse("workflow:move", args=["certificates.certificate", certificate.pk])


def detail_url(certificate) -> str:
    return reverse("certificates:certificate-detail", args=[certificate.number])


def guide_client(world, client_for):
    c = client_for("admin")
    c.force_login(guide_reviewer(world))
    return c


def apprentice_certificate(world, master_cert: Certificate) -> Certificate:
    """李明's apprentice certificate under 张医生, issued by the host unit."""
    return certificate_issue(
        kind="apprentice",
        holder=world.liming,
        holder_name="李明",
        master=master_cert.master,
        issuer=world.host,
        actor=world.zhao,
        subject=world.liming,
    )


def notices(since: int) -> list[tuple[str, str]]:
    return [
        (n.recipient.username, n.title)
        for n in Notification.objects.filter(pk__gt=since).select_related("recipient").order_by("pk")
    ]


def last_notice() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_issuing_unit_sees_the_revoke_button_which_leads_to_the_revoke_page(world, client_for):
    certificate = master_certificate(world)
    [move] = moves(certificate, guide_reviewer(world))
    assert (move.to, move.button, move.page_url) == (
        S.REVOKED,
        "撤销证书",
        reverse("certificates:certificate-revoke", args=[certificate.number]),
    )
    page = guide_client(world, client_for).get(detail_url(certificate)).content.decode()
    assert f'href="{move.page_url}"' in page
    # The host unit sees the master certificate but did not issue it: no button.
    assert "workflow-moves" not in client_for("zhao").get(detail_url(certificate)).content.decode()
    assert "workflow-moves" not in client_for("zhang").get(detail_url(certificate)).content.decode()


def test_the_issuing_unit_revokes_through_the_move_endpoint(world, client_for):
    certificate = master_certificate(world)
    response = guide_client(world, client_for).post(
        move_url(certificate),
        {"to": "revoked", "expect": "valid", "reason": "材料不实", "next": detail_url(certificate)},
    )
    assert response.status_code == 302 and response["Location"] == detail_url(certificate)
    certificate.refresh_from_db()
    assert certificate.status == S.REVOKED and certificate.revoked_reason == "材料不实"
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.TRANSITION, content_type__model="certificate", object_id=str(certificate.pk)
    )
    assert (entry.actor, entry.to_state, entry.outcome) == (guide_reviewer(world), "已撤销", "success")


def test_a_revocation_needs_a_reason(world, client_for):
    certificate = master_certificate(world)
    response = guide_client(world, client_for).post(
        move_url(certificate), {"to": "revoked", "expect": "valid", "next": detail_url(certificate)}, follow=True
    )
    assert "撤销证书必须填写原因" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("zhao", 403), ("wang", 403), ("zhang", 403)])
def test_only_the_issuing_unit_may_revoke(world, client_for, persona, status):
    certificate = master_certificate(world)
    response = client_for(persona).post(move_url(certificate), {"to": "revoked", "expect": "valid", "reason": "x"})
    assert response.status_code == status
    certificate.refresh_from_db()
    assert certificate.is_valid
    # Refused, and on record (the outsider's attempt too: the certificate does not exist for them).
    refused = AuditEntry.objects.get(
        action=AuditEntry.Action.TRANSITION, content_type__model="certificate", object_id=str(certificate.pk)
    )
    assert refused.outcome == AuditEntry.Outcome.DENIED and refused.actor == getattr(world, persona)


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, client_for):
    certificate = master_certificate(world)
    c = guide_client(world, client_for)
    c.post(move_url(certificate), {"to": "revoked", "expect": "valid", "reason": "材料不实"})
    response = c.post(
        move_url(certificate),
        {"to": "revoked", "expect": "valid", "reason": "再次撤销", "next": detail_url(certificate)},
        follow=True,
    )
    assert "已由其他人员处理" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "材料不实"


@pytest.mark.parametrize("forged", ["valid", "issued", ""])
def test_a_forged_target_is_refused_and_changes_nothing(world, client_for, forged):
    certificate = master_certificate(world)
    response = guide_client(world, client_for).post(
        move_url(certificate), {"to": forged, "expect": "valid", "reason": "x"}
    )
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_certificates_are_nobodys_to_do(world):
    certificate = master_certificate(world)
    apprentice_certificate(world, certificate)
    for person in (guide_reviewer(world), world.zhao, world.zhang, world.liming, world.sun):
        assert [w for w in waiting_for(person) if isinstance(w.obj, Certificate)] == []


def test_a_holder_gets_exactly_one_notice_for_one_certificate(world):
    certificate = master_certificate(world)
    since = last_notice()
    issued = apprentice_certificate(world, certificate)
    assert notices(since) == [("liming", f"您的师承证书已颁发（{issued.number}）")]
    # The master's own certification: one notice, the certificate's (masters.tests.test_moves).
    assert [t for u, t in notices(0) if u == "zhang" and certificate.number in t] == [
        f"您的传承人证书已颁发（{certificate.number}）"
    ]


def test_a_revoked_apprentice_certificate_tells_the_holder_and_the_master_once_each(world):
    certificate = apprentice_certificate(world, master_certificate(world))
    since = last_notice()
    certificate_revoke(certificate=certificate, actor=world.zhao, reason="考核材料不实")
    assert notices(since) == [
        ("liming", f"师承证书 {certificate.number} 已被撤销"),
        ("zhang", f"师承证书 {certificate.number} 已被撤销"),
    ]
    assert set(Notification.objects.filter(pk__gt=since).values_list("body", flat=True)) == {"撤销原因：考核材料不实"}


def test_a_revoked_master_certificate_tells_its_holder_once(world):
    certificate = master_certificate(world)
    since = last_notice()
    certificate_revoke(certificate=certificate, actor=guide_reviewer(world), reason="业绩不实")
    assert notices(since) == [("zhang", f"传承人证书 {certificate.number} 已被撤销")]
