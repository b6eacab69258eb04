import pytest

from accounts.models import Region

YUNCHENG_COUNTIES = {
    "140802": "盐湖区",
    "140821": "临猗县",
    "140822": "万荣县",
    "140823": "闻喜县",
    "140824": "稷山县",
    "140825": "新绛县",
    "140826": "绛县",
    "140827": "垣曲县",
    "140828": "夏县",
    "140829": "平陆县",
    "140830": "芮城县",
    "140881": "永济市",
    "140882": "河津市",
}


@pytest.mark.django_db
def test_api_lists_yunchengs_thirteen_county_level_divisions(client):
    response = client.get("/api/v1/regions", {"parent": "140800"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 13
    assert {r["code"]: r["name"] for r in body["items"]} == YUNCHENG_COUNTIES
    assert {r["level"] for r in body["items"]} == {"county"}
    assert {r["parent"] for r in body["items"]} == {"140800"}


@pytest.mark.django_db
def test_yuncheng_goes_down_to_townships_and_villages():
    yanhu = Region.objects.get(code="140802")
    townships = Region.objects.filter(parent=yanhu)
    assert townships.count() > 10
    assert all(t.level == Region.Level.TOWNSHIP and t.code.startswith("140802") for t in townships)
    village = Region.objects.filter(parent=townships.first()).first()
    assert village.level == Region.Level.VILLAGE and len(village.code) == 12
    assert [r.code for r in village.ancestors()] == ["140000", "140800", "140802", village.parent_id]
    assert village.full_name.startswith("山西省运城市盐湖区")


@pytest.mark.django_db
def test_the_whole_country_is_there_to_place_anyone(client):
    provinces = client.get("/api/v1/regions").json()
    names = {r["name"] for r in provinces["items"]}
    assert provinces["count"] == 34
    assert {"北京市", "山西省", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区", "台湾省"} <= names
    assert Region.objects.filter(level=Region.Level.COUNTY).count() > 2800
    assert Region.objects.get(code="110101").name == "东城区"


@pytest.mark.django_db
def test_region_scope_by_prefix_reaches_descendants_only():
    yanhu, yongji = Region.objects.get(code="140802"), Region.objects.get(code="140881")
    village = Region.objects.filter(prefix__startswith="140802", level="village").first()
    assert yanhu.contains(village)
    assert not yongji.contains(village)
    assert Region.objects.get(code="140800").contains(yongji)


@pytest.mark.django_db
def test_unknown_parent_is_a_404_with_a_chinese_message(client):
    response = client.get("/api/v1/regions", {"parent": "999999"})
    assert response.status_code == 404
    assert "不存在" in response.json()["detail"]
