"""The region picker (issue 12 §2): one form field for every region of every form.

A person chooses a division by cascading lists (from the field's root down: county → township →
village) or by typing its name or pinyin and picking from the matches; static/js/region-picker.js
does the choosing against the JSON of `accounts:region-options`. What is posted is the code, in a
hidden input named as the field. Without scripts the visible box is posted too (`<name>_search`),
and a code or a name that names one division there is taken, so the form still works.

The server decides: the code must exist, lie under the root and be at an allowed level.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import regions
from accounts.models import Region

Level = Region.Level
# Where a person lives or works: at least a county, so the right county's staff can reach them.
PLACE_LEVELS = frozenset({Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE})
SEARCH_SUFFIX = "_search"


class RegionWidget(forms.Widget):
    def __init__(self, attrs=None, *, root: str | None = None, levels: frozenset[str] | None = None):
        super().__init__(attrs)
        self.root = root
        self.levels = levels

    def value_from_datadict(self, data, files, name):
        typed = (data.get(name + SEARCH_SUFFIX) or "").strip()
        # Typed text that was not picked from the list (or no script ran) is what the person meant.
        return typed or (data.get(name) or "").strip()

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + SEARCH_SUFFIX not in data

    def format_value(self, value):
        if isinstance(value, Region):
            return value.code
        return "" if value is None else str(value)

    def render(self, name, value, attrs=None, renderer=None):
        code = self.format_value(value)
        attrs = self.build_attrs(self.attrs, attrs)
        widget_id = attrs.get("id") or f"id_{name}"
        known = bool(code) and code in regions.index()
        path = regions.path_of(code, self.root) if known else []
        chosen = " / ".join(e.name for e in path)
        css = attrs.get("class", "form-control")
        return format_html(
            '<div class="region-picker" data-region-picker data-url="{url}" data-root="{root}" data-levels="{levels}"'
            ' data-path="{path}" data-choose="{choose}" data-empty="{empty}" data-not-allowed="{not_allowed}">'
            '<input type="hidden" name="{name}" value="{value}" data-region-value>'
            '<input type="search" name="{search_name}" id="{id}" class="{css}" value="{typed}" autocomplete="off"'
            ' placeholder="{placeholder}"{aria_label} role="combobox" aria-autocomplete="list" aria-expanded="false"'
            ' aria-controls="{id}_results" data-region-search>'
            '<div class="list-group region-results shadow-sm" id="{id}_results" role="listbox" data-region-results hidden></div>'
            '<div class="row g-2 mt-1" data-region-levels></div>'
            '<div class="form-text" data-region-chosen>{chosen_label}</div>'
            "</div>",
            url=reverse("accounts:region-options"),
            root=self.root or "",
            levels=",".join(sorted(self.levels or ())),
            path=",".join(e.code for e in path),
            choose=_("请选择"),
            empty=_("没有找到匹配的地区"),
            not_allowed=_("请继续选择到下一级"),
            name=name,
            value=code if known else "",
            search_name=name + SEARCH_SUFFIX,
            id=widget_id,
            css=css,
            typed="" if known else code,
            placeholder=_("输入地名或拼音搜索，如 临猗、linyi、ly"),
            aria_label=format_html(' aria-label="{}"', attrs["aria-label"]) if attrs.get("aria-label") else "",
            chosen_label=(_("已选：%(place)s") % {"place": chosen}) if chosen else _("尚未选择"),
        )


class RegionField(forms.Field):
    """A region, chosen with the picker. `root` is the code of the division the choice lies under
    (None: the whole country); `levels` the levels a choice may be at (None: any)."""

    default_error_messages = {
        "unknown": _("区划代码「%(code)s」不存在，请从列表中选择"),
        "ambiguous": _("「%(text)s」对应不止一个地区或没有对应的地区，请从列表中选择"),
        "outside": _("「%(name)s」不在%(root)s范围内，请从列表中选择"),
        "level": _("「%(name)s」是%(level)s，请选择到%(levels)s"),
    }

    def __init__(self, *, root: str | None = None, levels: frozenset[str] | None = PLACE_LEVELS, **kwargs):
        self.root = root
        self.levels = frozenset(levels) if levels else None
        kwargs.setdefault("widget", RegionWidget(root=root, levels=self.levels))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.code if isinstance(value, Region) else value

    def to_python(self, value):
        if isinstance(value, Region):
            return value
        text = (value or "").strip()[:64]
        if not text:
            return None
        if any(ch.isdigit() for ch in text):  # a code, or a mistyped one
            region = Region.objects.filter(code=text).first()
            if region is None:
                raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": text})
        else:
            found = [e for e in regions.search(text, root=self.root, levels=self.levels) if e.name == text] or [
                e for e in regions.index().values() if regions.label_of(e.code).replace(" / ", "") == text
            ]
            if len(found) != 1:
                raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"text": text})
            region = Region.objects.get(code=found[0].code)
        self._check_place(region)
        return region

    def _check_place(self, region: Region) -> None:
        if self.root:
            root = Region.objects.filter(code=self.root).first()
            if root is None or not root.contains(region):
                raise forms.ValidationError(
                    self.error_messages["outside"],
                    code="outside",
                    params={"name": region.name, "root": root.name if root else self.root, "code": region.code},
                )
        if self.levels and region.level not in self.levels:
            wanted = "、".join(str(Level(lv).label) for lv in Level.values if lv in self.levels)
            raise forms.ValidationError(
                self.error_messages["level"],
                code="level",
                params={"name": region.name, "level": region.get_level_display(), "levels": wanted},
            )
