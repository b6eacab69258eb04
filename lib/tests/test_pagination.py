import pytest

from accounts.models import Region
from lib.pagination import CappedPaginator


class SmallCap(CappedPaginator):
    cap = 100


@pytest.mark.django_db
def test_counting_stops_at_the_cap_and_says_so():
    paginator = SmallCap(Region.objects.order_by("code"), 50)
    assert paginator.count == 101 and paginator.count_is_capped and paginator.count_label == "100+"
    # Later pages still work: the page slices the full list, only the count is capped.
    assert paginator.get_page(2).object_list[0] == Region.objects.order_by("code")[50]


@pytest.mark.django_db
def test_a_small_list_is_counted_exactly():
    paginator = SmallCap(Region.objects.filter(parent_id="140800"), 50)
    assert paginator.count == 13 and not paginator.count_is_capped and paginator.count_label == "13"


@pytest.mark.django_db
def test_the_audit_page_shows_a_capped_total(world, client_for, monkeypatch):
    from workflow.services import audit_record

    monkeypatch.setattr(CappedPaginator, "cap", 60)
    for n in range(70):
        audit_record(
            action="create", actor=world.admin, obj=world.city_tcm, organization=world.city_tcm, reason=f"#{n}"
        )
    page = client_for("yang").get("/audit/").content.decode()
    assert "共 60+ 条" in page
