"""The region picker (issue 12 §2): every region of every form is chosen from the divisions, by
cascading lists or by typing a name or its pinyin, and the server still checks what is posted."""

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from accounts import regions
from accounts.models import Region
from accounts.widgets import RegionField, RegionWidget
from apprenticeships.forms import ApplicationForm
from masters.forms import MasterApplicationForm
from techniques.forms import DeclarationForm

pytestmark = pytest.mark.django_db
URL = "/accounts/regions/"


def a_village_of(county: str) -> Region:
    return Region.objects.filter(prefix__startswith=county, level=Region.Level.VILLAGE).order_by("code").first()


def test_every_form_with_a_region_uses_the_picker():
    for form_class in (ApplicationForm, MasterApplicationForm, DeclarationForm):
        field = form_class.base_fields["region_code"]
        assert isinstance(field, RegionField) and isinstance(field.widget, RegionWidget), form_class
    # And no form of any app asks for a region any other way.
    import importlib

    from django.apps import apps
    from django.conf import settings

    typed = []
    for config in apps.get_app_configs():
        # The project's own apps: those under its directory, outside the virtualenv.
        if not config.path.startswith(str(settings.BASE_DIR)) or ".venv" in config.path:
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for form_class in vars(module).values():
            # The Django admin's own forms choose a region with its autocomplete search by name.
            if getattr(form_class, "__name__", "").endswith("AdminChangeForm"):
                continue
            fields = getattr(form_class, "base_fields", {})
            for name, field in fields.items():
                if "region" in name and not isinstance(field, RegionField):
                    typed.append(f"{form_class.__name__}.{name}")
    assert not typed, typed


@pytest.mark.parametrize(
    ("url", "persona"),
    [("/masters/", None), ("/apprenticeships/", "wang"), ("/accounts/organizations/", "yang")],
)
def test_the_region_filters_of_the_lists_are_pickers_too(world, client_for, url, persona):
    client = client_for(persona) if persona else Client()
    page = client.get(url, {"region": "140881"}).content.decode()
    assert 'value="140881" data-region-value' in page and "已选：山西省 / 运城市 / 永济市" in page


def test_children_cascade_from_the_root_down_to_villages():
    counties = Client().get(URL, {"root": "140800"}).json()["results"]
    linyi = next(r for r in counties if r["name"] == "临猗县")
    assert {r["level"] for r in counties} == {"county"} and linyi["label"] == "临猗县"
    townships = Client().get(URL, {"root": "140800", "parent": linyi["code"]}).json()["results"]
    assert townships and {r["level"] for r in townships} == {"township"}
    villages = Client().get(URL, {"root": "140800", "parent": townships[0]["code"]}).json()["results"]
    assert villages and villages[0]["leaf"] and villages[0]["path"][0] == linyi["code"]
    # Nothing outside the root is listed under it.
    assert Client().get(URL, {"root": "140800", "parent": "110000"}).json()["results"] == []


def test_the_whole_country_starts_at_the_provinces():
    provinces = Client().get(URL).json()["results"]
    assert len(provinces) == Region.objects.filter(level=Region.Level.PROVINCE).count()
    assert "山西省" in [r["name"] for r in provinces]


@pytest.mark.parametrize("typed", ["linyi", "ly", "临猗", "LinYi"])
def test_a_county_is_found_by_name_full_pinyin_or_initials(typed):
    found = Client().get(URL, {"q": typed, "root": "140800"}).json()["results"]
    assert "临猗县" in [r["name"] for r in found[:5]]


def test_a_village_is_found_by_its_pinyin_with_its_township_and_county_named():
    village = a_village_of("140821")
    spelled = regions.index()[village.code].spelled
    found = Client().get(URL, {"q": spelled, "root": "140800", "levels": "village"}).json()["results"]
    match = next(r for r in found if r["code"] == village.code)
    assert match["label"].startswith("临猗县 / ") and match["label"].endswith(village.name)
    assert match["selectable"] and {r["level"] for r in found} == {"village"}


def test_search_stays_under_the_root():
    found = Client().get(URL, {"q": "chaoyang", "root": "140800"}).json()["results"]
    assert all(r["code"].startswith("1408") for r in found)
    assert any(r["name"] == "朝阳区" for r in Client().get(URL, {"q": "chaoyang"}).json()["results"])


class PlaceForm(forms.Form):
    region = RegionField(label="所在地区", root="140800")


def _clean(value) -> tuple[Region | None, str]:
    form = PlaceForm({"region": value})
    return (form.cleaned_data["region"] if form.is_valid() else None), " ".join(form.errors.get("region", []))


def test_the_server_takes_a_code_under_the_root_at_an_allowed_level():
    village = a_village_of("140821")
    assert _clean(village.code)[0] == village
    assert _clean("140821")[0].name == "临猗县"


def test_the_server_refuses_an_unknown_code_a_place_outside_and_a_level_too_high():
    assert "区划代码「140821999999」不存在" in _clean("140821999999")[1]
    assert "不在运城市范围内" in _clean("110105")[1]
    assert "请选择到县级、乡级、村级" in _clean("140800")[1]  # the root itself is not a place in it


def test_without_scripts_a_typed_name_that_names_one_place_is_taken():
    form = PlaceForm({"region": "", "region_search": "临猗县"})
    assert form.is_valid() and form.cleaned_data["region"].code == "140821"
    # A typed text overrides a stale hidden code, and a name shared by many places is refused.
    common = (
        Region.objects.filter(prefix__startswith="1408", level=Region.Level.VILLAGE)
        .values_list("name", flat=True)
        .order_by("name")
    )
    names = list(common)
    shared = next(n for n in names if names.count(n) > 1)
    form = PlaceForm({"region": "140821", "region_search": shared})
    assert not form.is_valid() and "请从列表中选择" in form.errors["region"][0]


def test_the_widget_shows_the_chosen_place_and_its_path():
    village = a_village_of("140821")
    html = PlaceForm(initial={"region": village}).as_div()
    assert f'value="{village.code}" data-region-value' in html
    assert "已选：临猗县 / " in html and reverse("accounts:region-options") in html


def test_lookups_are_rate_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "region_lookup_ip": "3/m"}
    c = Client(REMOTE_ADDR="203.0.113.9")
    assert [c.get(URL, {"q": "ly"}).status_code for _ in range(4)] == [200, 200, 200, 429]
