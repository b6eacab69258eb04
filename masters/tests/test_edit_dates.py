"""Editing a master's application keeps the birth date (issue 12 §8): the date picker is given the
stored date as the ISO value it needs, so what the browser sends back is the date, not nothing."""

import datetime
import re

from django.urls import reverse

from masters.forms import MasterApplicationForm
from masters.tests.factories import application_for


def test_the_edit_page_shows_the_stored_birth_date_and_saving_keeps_it(world, client_for):
    master = application_for(world, birth_date=datetime.date(1968, 5, 1))
    client = client_for("zhang")
    url = reverse("masters:application-edit", args=[master.pk])
    page = client.get(url).content.decode()
    field = re.search(r'<input[^>]*name="birth_date"[^>]*>', page).group(0)
    assert 'type="date"' in field and 'value="1968-05-01"' in field
    # What the browser sends back is what the page showed.
    form = MasterApplicationForm(instance=master, user=world.zhang)
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(birth_date=re.search(r'value="([^"]*)"', field).group(1), techniques=[])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    master.refresh_from_db()
    assert master.birth_date == datetime.date(1968, 5, 1)
