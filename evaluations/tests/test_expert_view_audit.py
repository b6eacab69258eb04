"""An expert's profile holds personal data (unit, specialties, declared relationships, history):
every view by anyone but the expert is logged, on the page and through the API (OPS-1; issue 13 §6)."""

import pytest
from django.test import Client

from evaluations.tests.factories import expert
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


def _views_of(profile) -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(
            action=AuditEntry.Action.VIEW_PERSONAL,
            object_id=str(profile.pk),
            object_repr__contains=profile.user.full_name,
        )
        .order_by("id")
        .values_list("actor__username", "reason")
    )


def test_city_staff_opening_an_experts_page_or_record_is_logged(world, client_for):
    wu = expert(world, "吴专家")
    yang = client_for("yang")
    assert yang.get(f"/evaluations/experts/{wu.pk}/").status_code == 200
    assert yang.get(f"/api/v1/experts/{wu.pk}").status_code == 200
    assert _views_of(wu) == [(world.yang.username, "专家资料")] * 2


def test_the_expert_reading_their_own_profile_is_not_logged(world):
    wu = expert(world, "吴专家")
    own = Client()
    own.force_login(wu.user)
    assert own.get(f"/evaluations/experts/{wu.pk}/").status_code == 200
    assert _views_of(wu) == []
