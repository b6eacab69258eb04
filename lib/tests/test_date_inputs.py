"""Every date field of every form renders the ISO value a browser's date picker needs (issue 12 §8):
an edit page must show the stored date, not an empty field that saving then clears."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import translation

from lib.forms import DateInput

SKIPPED_PACKAGES = {"tests", "migrations", "management"}


def _project_modules():
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        # The project's own apps: not the installed packages, although the venv lives in the tree.
        if base not in path.parents or "site-packages" in path.parts:
            continue
        yield config.module.__name__
        for info in pkgutil.walk_packages([str(path)], prefix=config.module.__name__ + "."):
            if SKIPPED_PACKAGES & set(info.name.split(".")):
                continue
            yield info.name


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type[forms.BaseForm]]:
    names = set(_project_modules())
    for name in sorted(names):
        importlib.import_module(name)
    return sorted(
        {f for f in _subclasses(forms.BaseForm) if f.__module__ in names},
        key=lambda f: f"{f.__module__}.{f.__qualname__}",
    )


def date_fields() -> list[tuple[str, str, forms.Field]]:
    found = []
    for form in project_forms():
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                found.append((f"{form.__module__}.{form.__qualname__}", name, field))
    return found


def test_the_walk_finds_the_date_fields_it_is_meant_to_check():
    found = {(form, name) for form, name, _field in date_fields()}
    # A model form's own field, a plain form's, and one in a view module.
    assert ("masters.forms.MasterApplicationForm", "birth_date") in found
    assert ("teaching.forms.ActivityForm", "date") in found
    assert ("techniques.views_protection.ProtectionForm", "granted_on") in found


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_field_of_every_form_renders_an_iso_value_for_the_date_picker(language):
    stored = datetime.date(2024, 3, 5)
    wrong = []
    with translation.override(language):
        for form, name, field in date_fields():
            html = field.widget.render(name, stored)
            if not isinstance(field.widget, DateInput) or 'type="date"' not in html or 'value="2024-03-05"' not in html:
                wrong.append(f"{form}.{name}: {html}")
    assert not wrong, "date fields without lib.forms.DateInput:\n" + "\n".join(wrong)
