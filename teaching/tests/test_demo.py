import pytest

from apprenticeships.models import Apprenticeship
from certificates.models import Certificate
from teaching.models import Activity, TeachingPlan

pytestmark = pytest.mark.django_db


def test_the_demo_has_teaching_at_every_stage_and_both_certificates(client):
    from chuancheng.demo import load_demo

    load_demo(techniques=5)
    valid = Certificate.objects.get(number="CC-DEMO-0001")
    revoked = Certificate.objects.get(number="CC-DEMO-0002")
    assert valid.status == "valid" and valid.kind == "apprentice" and valid.holder.username == "sunjiahui"
    assert revoked.status == "revoked" and "撤销" in revoked.revoked_reason
    assert "有效" in client.get("/verify/CC-DEMO-0001/?c=CCDEM00001").content.decode()
    assert "已撤销" in client.get("/verify/CC-DEMO-0002/?c=CCDEM00002").content.decode()
    assert Apprenticeship.objects.filter(status="graduated").count() == 2
    statuses = set(Activity.objects.values_list("status", flat=True))
    assert statuses == {"pending", "confirmed", "rejected"}
    assert Activity.objects.exclude(online_agreement_note="").exists()
    assert set(TeachingPlan.objects.values_list("status", flat=True)) >= {"agreed"}
    # Running it again changes nothing.
    before = (Activity.objects.count(), Certificate.objects.count(), TeachingPlan.objects.count())
    load_demo(techniques=5)
    assert (Activity.objects.count(), Certificate.objects.count(), TeachingPlan.objects.count()) == before
