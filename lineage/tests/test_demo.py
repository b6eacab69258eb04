"""The demo's 孟河医派 loads as verified, cited links, once however often it is loaded."""

from lineage import selectors
from lineage.demo import load_demo_lineage
from lineage.models import Citation, Link, Person


def test_the_menghe_lineage_loads_verified_with_a_citation_on_every_link(world):
    links = load_demo_lineage(entering=world.sun, verifying=world.yang)
    assert len(links) == 15
    assert set(Link.objects.values_list("status", flat=True)) == {Link.Status.VERIFIED}
    assert not Link.objects.exclude(pk__in=Citation.objects.values("link")).exists()
    assert not selectors.people_without_sources().exists()
    ding = Person.objects.get(name="丁甘仁")
    assert (ding.birth_earliest, ding.birth_latest) == (1865, 1866)
    fei = Person.objects.get(name="费伯雄")
    path = selectors.path_between(fei, Person.objects.get(name="程门雪"))
    assert [s.person.name for s in path] == ["费伯雄", "丁松溪", "丁甘仁", "程门雪"]
    assert selectors.generation(Person.objects.get(name="章次公").pk) == 5
    assert load_demo_lineage(entering=world.sun, verifying=world.yang) == []
    assert Link.objects.count() == 15
