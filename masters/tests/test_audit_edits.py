"""Edits of a master's application are audited (issue 13 §6), from the page and from the API's
PATCH alike: one row naming the fields that changed, never their values."""

from django.urls import reverse

from masters.forms import MasterApplicationForm
from masters.models import Master
from masters.tests.factories import application_for
from workflow.models import AuditEntry


def _edits(master: Master):
    return AuditEntry.objects.filter(content_type__model="master", object_id=str(master.pk), to_state="已修改")


def test_a_patch_through_the_api_is_logged_with_the_fields_it_changed(world, client_for):
    master = application_for(world)
    url = reverse("api:master_application_update", args=[master.pk])
    response = client_for("zhang").patch(
        url, {"specialty": "针刺治疗面瘫", "capacity": 3}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    entry = _edits(master).get()
    assert entry.actor == world.zhang and entry.action == AuditEntry.Action.TRANSITION
    assert entry.reason == "修改了：专业特长、可同时带教师承人数"
    assert "面瘫" not in entry.reason and "3" not in entry.reason
    # The same values again change nothing and write nothing.
    client_for("zhang").patch(url, {"specialty": "针刺治疗面瘫"}, content_type="application/json")
    assert _edits(master).count() == 1


def test_a_refused_patch_writes_no_row(world, client_for):
    master = application_for(world)
    url = reverse("api:master_application_update", args=[master.pk])
    assert client_for("sun").patch(url, {"capacity": 1}, content_type="application/json").status_code == 403
    assert client_for("zhou").patch(url, {"capacity": 1}, content_type="application/json").status_code == 404
    assert not _edits(master).exists()


def test_an_edit_on_the_page_is_logged(world, client_for):
    master = application_for(world)
    form = MasterApplicationForm(instance=master, user=world.zhang)
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(bio="师从某老中医，临证四十年。", techniques=[])
    response = client_for("zhang").post(reverse("masters:application-edit", args=[master.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _edits(master).get()
    assert entry.reason == "修改了：个人简介" and entry.actor == world.zhang
