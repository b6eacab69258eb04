"""Form pieces shared by every app."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """The browser's date picker. <input type="date"> reads and writes its value as an ISO date
    only (HTML's "valid date string"), whatever the page's language: with the localized format of
    zh-hans (2024/03/05) the browser shows an empty field and saving the form drops the date. So
    the format is fixed here and every date field of every form uses this widget."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)
