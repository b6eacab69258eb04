"""Masters in the system administration (issue 13 §6): a correction there is audited with the names
of what changed, and the administration neither makes nor deletes a master."""

from html.parser import HTMLParser

import pytest

from masters.models import Master
from masters.tests.factories import applicant, certified
from workflow.models import AuditEntry

pytestmark = pytest.mark.django_db


class _Form(HTMLParser):
    """The values a browser would send back from the change form, as the page rendered them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n") if not self.data[self._textarea][-1] else data


def _change_form(client, master: Master) -> dict[str, list[str]]:
    page = client.get(f"/admin/masters/master/{master.pk}/change/")
    assert page.status_code == 200
    form = _Form()
    form.feed(page.content.decode())
    return form.data


def test_a_correction_in_the_administration_is_audited_with_what_changed(world, client_for):
    zhang = certified(world, applicant(world, "张德润"), specialty="针灸治疗中风")
    admin = client_for("admin")
    data = _change_form(admin, zhang)
    data["specialty"] = ["针灸治疗中风后遗症"]
    response = admin.post(f"/admin/masters/master/{zhang.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    zhang.refresh_from_db()
    assert zhang.specialty == "针灸治疗中风后遗症"
    entry = AuditEntry.objects.filter(object_id=str(zhang.pk), reason__startswith="系统管理后台修改了").get()
    assert entry.actor == world.admin and entry.reason == "系统管理后台修改了：专业特长"
    # The record's state and certificate stay as the workflow left them.
    assert zhang.status == Master.Status.CERTIFIED and zhang.certificate_number


def test_saving_without_a_change_writes_no_row(world, client_for):
    zhang = certified(world, applicant(world, "张德润"))
    admin = client_for("admin")
    assert admin.post(f"/admin/masters/master/{zhang.pk}/change/", _change_form(admin, zhang)).status_code == 302
    assert not AuditEntry.objects.filter(reason__startswith="系统管理后台修改了").exists()


def test_the_administration_neither_makes_nor_deletes_a_master(world, client_for):
    zhang = certified(world, applicant(world, "张德润"))
    admin = client_for("admin")
    assert admin.get("/admin/masters/master/add/").status_code == 403
    assert admin.post(f"/admin/masters/master/{zhang.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Master.objects.filter(pk=zhang.pk).exists()
