"""A submitted link tells the staff who may verify it, once; the verdict tells the one who entered
it; and the link waits on the verifiers' workbench."""

from django.urls import reverse

from lineage import services
from lineage.models import Link
from lineage.tests.factories import link, person
from notifications.models import Notification
from workflow.services import waiting_for


def test_submitting_tells_the_verifiers_and_the_verdict_tells_the_entrant(world):
    made = link(
        world, person(world, "甲", actor=world.lin), person(world, "乙", actor=world.lin), verify=False, actor=world.lin
    )
    services.link_move(made, to=Link.Status.SUBMITTED, actor=world.lin)
    told = set(
        Notification.objects.filter(title__startswith="师承关系待核实").values_list("recipient__username", flat=True)
    )
    # 林干事's township is in 盐湖区: its county (孙科员) and the city (杨主任) verify; 永济 does not.
    assert told == {"sun", "yang"}
    assert any(w.obj == made for w in waiting_for(world.sun))
    assert not any(getattr(w, "obj", None) == made for w in waiting_for(world.lin))
    services.link_move(made, to=Link.Status.RETURNED, actor=world.sun, reason="页码不对")
    notice = Notification.objects.get(recipient=world.lin, title__startswith="师承关系已退回")
    assert notice.url == reverse("lineage:link", args=[made.pk])


def test_the_move_endpoint_refuses_the_wrong_person_and_a_forged_target(world, client_for):
    made = link(world, person(world, "甲"), person(world, "乙"), verify=False)
    services.link_move(made, to=Link.Status.SUBMITTED, actor=world.sun)
    url = reverse("workflow:move", args=["lineage.link", made.pk])
    assert client_for("zhou").post(url, {"to": "verified", "expect": "submitted"}).status_code == 404
    assert client_for("lin").post(url, {"to": "verified", "expect": "submitted"}).status_code == 404
    assert client_for("chen").post(url, {"to": "verified", "expect": "submitted"}).status_code == 404
    response = client_for("yang").post(url, {"to": "draft", "expect": "submitted"})
    assert response.status_code in (400, 409)
    made.refresh_from_db()
    assert made.status == Link.Status.SUBMITTED
