import datetime

import pytest
from django.urls import reverse

from masters.models import Master, Tier
from masters.tests.factories import applicant, application_for, certified

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(world):
    zhang = certified(world, applicant(world, "张德润"), specialty="针灸治疗中风")
    li = certified(
        world,
        applicant(world, "李淑芬", code="140881"),
        tier=Tier.MINGLAO_ZHONGYI,
        specialty="小儿推拿",
        region=world.yongji_tcm.region,
    )
    draft = application_for(world, applicant(world, "张未审"))
    return zhang, li, draft


def _names(response):
    return [m.name for m in response.context["page"]]


@pytest.mark.parametrize("query", ["张", "zhang", "zdr", "z", "ZDR", "zhangde"])
def test_the_directory_finds_zhang_derun_by_name_pinyin_or_initials(client, directory, query):
    response = client.get(reverse("masters:directory"), {"q": query})
    assert response.status_code == 200
    assert _names(response) == ["张德润"]


def test_the_directory_shows_certified_masters_only(client, directory):
    assert sorted(_names(client.get(reverse("masters:directory")))) == ["张德润", "李淑芬"]


def test_the_directory_filters_by_specialty_tier_and_region(client, directory):
    url = reverse("masters:directory")
    assert _names(client.get(url, {"specialty": "推拿"})) == ["李淑芬"]
    assert _names(client.get(url, {"tier": Tier.MINGLAO_ZHONGYI})) == ["李淑芬"]
    assert _names(client.get(url, {"region": "140881"})) == ["李淑芬"]
    # A city's code finds the masters of all its counties.
    assert sorted(_names(client.get(url, {"region": "140800"}))) == ["张德润", "李淑芬"]
    # A code that names no region is refused naming it (issue 13 §8), not an empty directory.
    refused = client.get(url, {"region": "999999"})
    assert refused.status_code == 400 and "区划代码「999999」不存在" in refused.content.decode()


def test_the_profile_shows_tier_title_and_techniques(client, directory):
    zhang = directory[0]
    response = client.get(reverse("masters:profile", args=[zhang.pk]))
    body = response.content.decode()
    for text in ("张德润", "知名专家", "主任医师", "针灸治疗中风", "运城市中医医院", zhang.certificate_number):
        assert text in body


def test_an_uncertified_application_has_no_public_profile(client, directory):
    assert client.get(reverse("masters:profile", args=[directory[2].pk])).status_code == 404


def test_the_directory_page_costs_the_same_queries_however_many_masters(
    client, world, directory, django_assert_max_num_queries
):
    for n in range(5):
        certified(world, applicant(world, f"王{n}号"), birth_date=datetime.date(1960, 1, 1))
    assert Master.objects.filter(status="certified").count() == 7
    with django_assert_max_num_queries(4):
        response = client.get(reverse("masters:directory"), {"q": "w", "region": "140800"})
    assert len(response.context["page"]) == 5


def _publish_for(world, master, name: str, disease: str) -> None:
    """A published technique that `master` teaches, declared for `disease`."""
    from chuancheng.test import declaration_for
    from techniques.models import Term
    from techniques.services import technique_advance

    technique = declaration_for(world.guo, world.township_centre.region, submit=True, name=name)
    technique.diseases.set([Term.objects.get(vocabulary="disease", name=disease)])
    for actor, to in (
        (world.lin, "received"),
        (world.sun, "verified"),
        (world.yang, "accepted"),
        (world.yang, "published"),
    ):
        technique_advance(technique=technique, actor=actor, to=to)
    master.techniques.add(technique)


def test_the_directory_finds_masters_by_the_disease_they_treat(client, directory, world):
    """Issue 12 §19: by a disease named in the specialty, or of a published technique they teach."""
    zhang, li, _draft = directory
    _publish_for(world, li, "李氏捏脊", "积滞")
    url = reverse("masters:directory")
    assert _names(client.get(url, {"disease": "中风"})) == ["张德润"]
    assert _names(client.get(url, {"disease": "积滞"})) == ["李淑芬"]
    assert _names(client.get(url, {"disease": "面瘫"})) == []
    # The one search box finds them by specialty or disease too.
    assert _names(client.get(url, {"q": "推拿"})) == ["李淑芬"]
    assert _names(client.get(url, {"q": "积滞"})) == ["李淑芬"]
    # The API's directory takes the same filter.
    listed = client.get("/api/v1/masters", {"disease": "积滞"}).json()
    assert [m["name"] for m in listed["items"]] == ["李淑芬"]


def test_an_unpublished_techniques_disease_finds_nobody(client, directory, world):
    from chuancheng.test import declaration_for
    from techniques.models import Term

    zhang, li, _draft = directory
    draft = declaration_for(world.guo, name="未公开的技术")
    draft.diseases.set([Term.objects.get(vocabulary="disease", name="积滞")])
    li.techniques.add(draft)
    assert _names(client.get(reverse("masters:directory"), {"disease": "积滞"})) == []


def test_on_a_phone_the_filters_fold_behind_a_button(client, directory):
    html = client.get(reverse("masters:directory")).content.decode()
    assert 'data-bs-target="#directory-filters"' in html
    assert 'class="row g-2 mb-3 collapse d-md-flex" id="directory-filters"' in html
