"""`{% region_picker "region" request.GET.region label=… root=… %}`: the region picker
(accounts/widgets.py) in a hand-written filter form, where the code goes out as a GET parameter."""

from django import template

from accounts.widgets import RegionWidget

register = template.Library()


@register.simple_tag
def region_picker(name: str, value=None, *, label: str = "", root: str = "", levels: str = ""):
    widget = RegionWidget(root=root or None, levels=frozenset(v for v in levels.split(",") if v) or None)
    attrs = {"id": f"id_{name}", "class": "form-control"}
    if label:
        attrs["aria-label"] = label
    return widget.render(name, (value or "").strip()[:12] or None, attrs=attrs)
