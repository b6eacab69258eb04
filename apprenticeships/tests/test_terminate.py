"""赵主任 at the host unit ends an apprenticeship early (000 §六; issue 11 item 4): with a reason,
both parties told, the hours so far kept, and no certificate possible afterwards."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from apprenticeships import services
from apprenticeships.models import Apprenticeship
from apprenticeships.tests.factories import signed_for
from lib.errors import ApplicationError
from workflow.models import AuditEntry
from workflow.services import AlreadyDecided, moves

pytestmark = pytest.mark.django_db

REASON = "师承人调离原单位，无法继续跟师"


def _audit(apprenticeship, **filters):
    return AuditEntry.objects.filter(
        content_type__model="apprenticeship", object_id=str(apprenticeship.pk), action="transition", **filters
    )


def _move_url(apprenticeship) -> str:
    return f"/audit/move/apprenticeships.apprenticeship/{apprenticeship.pk}/"


def test_zhao_terminates_with_a_reason_and_the_audit_row_keeps_it(world):
    apprenticeship = signed_for(world).apprenticeship
    services.apprenticeship_terminate(apprenticeship=apprenticeship, actor=world.zhao, reason=REASON)
    assert apprenticeship.status == Apprenticeship.Status.TERMINATED
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.TERMINATED
    entry = _audit(apprenticeship, outcome="success").get()
    assert (entry.actor, entry.from_state, entry.to_state, entry.reason) == (world.zhao, "跟师学习中", "已终止", REASON)


def test_a_termination_needs_a_reason(world):
    apprenticeship = signed_for(world).apprenticeship
    with pytest.raises(ApplicationError, match="终止师承关系必须填写原因") as refused:
        services.apprenticeship_terminate(apprenticeship=apprenticeship, actor=world.zhao, reason="  ")
    assert refused.value.field == "reason"
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [("zhou", PermissionDenied), ("liming", PermissionDenied), ("zhang", PermissionDenied), ("sun", Http404)],
)
def test_only_the_host_unit_terminates(world, persona, refusal):
    # 周科员 (永济市 staff) reaches it but has no such act; the parties own it but may not end it;
    # 孙科员 (盐湖区) does not reach an apprenticeship in 永济市 at all.
    apprenticeship = signed_for(world).apprenticeship
    with pytest.raises(refusal):
        services.apprenticeship_terminate(apprenticeship=apprenticeship, actor=getattr(world, persona), reason=REASON)
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE
    assert _audit(apprenticeship, outcome="denied").exists()


def test_a_second_termination_from_a_stale_page_is_already_decided(world):
    apprenticeship = signed_for(world).apprenticeship
    stale = Apprenticeship.objects.get(pk=apprenticeship.pk)
    services.apprenticeship_terminate(apprenticeship=apprenticeship, actor=world.zhao, reason=REASON)
    with pytest.raises(AlreadyDecided, match="已由其他人员处理，当前状态为「已终止」"):
        services.apprenticeship_terminate(apprenticeship=stale, actor=world.zhao, reason="另一原因")
    assert _audit(apprenticeship, outcome="success").count() == 1


def test_the_hours_so_far_are_kept_and_no_certificate_can_follow(world):
    from certificates.models import Certificate
    from teaching import services as teaching
    from teaching.models import Activity, Graduation, TeachingPlan
    from teaching.tests.factories import ready_to_graduate

    # Quotas met, materials assessed: everything but the certificate.
    apprenticeship = ready_to_graduate(world)
    hours = list(Activity.objects.filter(apprenticeship=apprenticeship).values_list("pk", "status", "hours"))
    assert hours
    services.apprenticeship_terminate(apprenticeship=apprenticeship, actor=world.zhao, reason=REASON)

    assert list(Activity.objects.filter(apprenticeship=apprenticeship).values_list("pk", "status", "hours")) == hours
    assert TeachingPlan.objects.filter(apprenticeship=apprenticeship).exists()
    assert Graduation.objects.filter(apprenticeship=apprenticeship).exists()
    with pytest.raises(ApplicationError):
        teaching.graduation_certificate_issue(apprenticeship=apprenticeship, actor=world.zhao)
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.TERMINATED
    assert not Certificate.objects.filter(holder=world.liming).exists()
    # And the table offers no way on: no button for anyone.
    assert moves(apprenticeship, world.zhao) == [] and moves(apprenticeship, world.admin) == []


def test_the_host_unit_sees_the_button_with_a_reason_field_and_the_parties_see_none(world, client_for):
    apprenticeship = signed_for(world).apprenticeship
    assert [(m.to, m.button, m.reason_required) for m in moves(apprenticeship, world.zhao)] == [
        ("graduated", "颁发师承证书", False),
        ("terminated", "终止师承关系", True),
    ]
    url = f"/apprenticeships/relationships/{apprenticeship.pk}/"
    page = client_for("zhao").get(url).content.decode()
    assert 'data-moves="graduated terminated ' in page and 'name="reason"' in page
    assert f'href="/teaching/{apprenticeship.pk}/graduation/"' in page
    for persona in ("liming", "zhang", "zhou"):
        assert "workflow-moves" not in client_for(persona).get(url).content.decode(), persona


def test_zhao_terminates_through_the_button(world, client_for):
    apprenticeship = signed_for(world).apprenticeship
    url = f"/apprenticeships/relationships/{apprenticeship.pk}/"
    response = client_for("zhao").post(
        _move_url(apprenticeship), {"to": "terminated", "expect": "active", "reason": REASON, "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.TERMINATED
    assert _audit(apprenticeship, outcome="success", reason=REASON).exists()
    page = client_for("zhao").get(url).content.decode()
    assert "已终止" in page and REASON in page and "workflow-moves" not in page


def test_the_button_without_a_reason_is_refused_with_the_rule(world, client_for):
    apprenticeship = signed_for(world).apprenticeship
    url = f"/apprenticeships/relationships/{apprenticeship.pk}/"
    response = client_for("zhao").post(
        _move_url(apprenticeship), {"to": "terminated", "expect": "active", "next": url}, follow=True
    )
    assert "终止师承关系必须填写原因" in response.content.decode()
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE


@pytest.mark.parametrize(
    ("persona", "status"), [("sun", 404), ("guo", 404), ("zhou", 403), ("liming", 403), ("zhang", 403)]
)
def test_the_wrong_person_cannot_post_the_termination(world, client_for, persona, status):
    apprenticeship = signed_for(world).apprenticeship
    response = client_for(persona).post(
        _move_url(apprenticeship), {"to": "terminated", "expect": "active", "reason": REASON}
    )
    assert response.status_code == status
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE


def test_a_stale_termination_button_is_told_someone_else_decided(world, client_for):
    apprenticeship = signed_for(world).apprenticeship
    url = f"/apprenticeships/relationships/{apprenticeship.pk}/"
    zhao = client_for("zhao")
    zhao.post(_move_url(apprenticeship), {"to": "terminated", "expect": "active", "reason": REASON})
    response = zhao.post(
        _move_url(apprenticeship),
        {"to": "terminated", "expect": "active", "reason": "另一原因", "next": url},
        follow=True,
    )
    assert "已由其他人员处理" in response.content.decode()
    assert _audit(apprenticeship, outcome="success").count() == 1


@pytest.mark.parametrize("forged", ["graduated", "active", "signed", "<script>"])
def test_a_forged_target_is_refused_and_changes_nothing(world, client_for, forged):
    # 颁发师承证书 is a real move, but it is made on the graduation page with its checks.
    apprenticeship = signed_for(world).apprenticeship
    response = client_for("zhao").post(_move_url(apprenticeship), {"to": forged, "expect": "active", "reason": "x"})
    assert response.status_code == 400
    apprenticeship.refresh_from_db()
    assert apprenticeship.status == Apprenticeship.Status.ACTIVE
