"""A certified master linked to a person of the lineage shows their verified teachers and
disciples on the public profile; a living certified master's details are public, too."""

from django.urls import reverse

from lineage.tests.factories import link, person


def test_the_master_profile_shows_verified_teachers_and_disciples(world, client):
    from masters.tests.factories import applicant, certified

    master = certified(world, applicant(world, "张德润"))
    me = person(world, "张德润", master=master, living=True, birth="1950", biography="从医五十年")
    teacher = person(world, "李老先生", birth="1910", death="1990")
    disciple = person(world, "王弟子", living=True)
    unverified = person(world, "未核实者")
    link(world, teacher, me)
    link(world, me, disciple, kind="programme")
    link(world, me, unverified, verify=False)
    page = client.get(reverse("masters:profile", args=[master.pk])).content.decode()
    section = page[page.index('id="master-lineage"') :]
    assert "李老先生" in section and "王弟子" in section and "师承项目" in section
    assert "未核实者" not in section
    # A certified master is a public figure of the programme: their lineage page shows details.
    assert "从医五十年" in client.get(reverse("lineage:person", args=[me.pk])).content.decode()


def test_a_master_without_a_person_shows_no_lineage(world, client):
    from masters.tests.factories import applicant, certified

    master = certified(world, applicant(world, "张德润"))
    assert 'id="master-lineage"' not in client.get(reverse("masters:profile", args=[master.pk])).content.decode()
