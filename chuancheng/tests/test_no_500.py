"""Bad parameters are a 400 with a Chinese message naming what is wrong, never a 500 (issue 13 §8).

The clients here do not re-raise a view's exception: they see the response a person would see."""

import pytest
from django.test import Client

from accounts.services import api_token_create

API = "/api/v1"


@pytest.fixture
def browser(world) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    return client


@pytest.fixture
def api(world) -> Client:
    token = api_token_create(user=world.admin, name="no-500")[1]
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})


def _detail(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


def assert_refused(response, *words: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    detail = _detail(response)
    for word in words:
        assert word in detail, (word, detail[:500])


# --- NUL bytes --------------------------------------------------------------------------------


def test_a_nul_byte_in_a_page_query_form_field_or_path_is_a_400_naming_the_field(browser):
    for url in ("/techniques/", "/masters/", "/apprenticeships/", "/certificates/", "/verify/"):
        assert_refused(browser.get(url, {"q": "a\x00b"}), "「q」", "空字符")
    assert_refused(browser.post("/cases/new/", {"patient": "张\x00三"}), "「patient」", "空字符")
    assert_refused(browser.post("/cases/new/", {"pat\x00ient": "张三"}), "空字符")
    assert_refused(browser.get("/certificates/A%00B/"), "空字符")


def test_a_nul_byte_in_an_api_query_body_or_path_is_a_400(api):
    for url in (f"{API}/techniques", f"{API}/organizations", f"{API}/apprentice-applications"):
        assert_refused(api.get(url, {"region": "14\x0008"}), "「region」", "空字符")
    body = {"patient": "张三", "visit": {"prescriptions": [{"composition": "黄芪\x0030g"}]}}
    assert_refused(api.post(f"{API}/cases", body, content_type="application/json"), "空字符")
    assert_refused(api.get(f"{API}/regions/14%0008"), "空字符")


# --- region -----------------------------------------------------------------------------------

BAD_REGIONS = ["999999", "'", "%", "x" * 500, "140802/1"]


def test_an_unknown_region_on_a_page_is_a_400_naming_the_code(browser):
    for url in ("/techniques/", "/techniques/manage/", "/masters/", "/apprenticeships/review/", "/evaluations/graded/"):
        for region in BAD_REGIONS:
            assert_refused(browser.get(url, {"region": region}), "区划代码")


def test_an_unknown_region_in_the_api_is_a_400_naming_the_code(api):
    for url in (f"{API}/techniques", f"{API}/masters", f"{API}/apprentice-applications", f"{API}/organizations"):
        for region in BAD_REGIONS:
            response = api.get(url, {"region": region})
            assert_refused(response, "区划代码")
            assert response.json()["field"] == "region"


def test_a_known_region_still_filters(api, browser):
    assert api.get(f"{API}/techniques", {"region": "140802"}).status_code == 200
    assert api.get(f"{API}/organizations", {"region": "140800"}).status_code == 200
    assert browser.get("/techniques/", {"region": "140802"}).status_code == 200
    assert browser.get("/masters/", {"region": "140802"}).status_code == 200


# --- numbers out of range -------------------------------------------------------------------------

OUT_OF_RANGE = [
    ({"offset": "-1"}, "offset"),
    ({"offset": "9380941010781503488"}, "offset"),
    ({"offset": "99999999999999999999999"}, "offset"),
    ({"offset": "abc"}, "offset"),
    ({"limit": "0"}, "limit"),
    ({"limit": "-5"}, "limit"),
    ({"limit": "9223372036854775808"}, "limit"),
    ({"limit": "十"}, "limit"),
]


def test_offset_and_limit_out_of_range_are_a_400_naming_them(api):
    for url in (f"{API}/techniques", f"{API}/masters/applications", f"{API}/certificates", f"{API}/cases"):
        for query, field in OUT_OF_RANGE:
            assert_refused(api.get(url, query), field, "参数有误")


def test_offset_and_limit_within_range_still_page(api):
    page = api.get(f"{API}/regions", {"offset": 1, "limit": 2}).json()
    assert len(page["items"]) == 2
    assert page["count"] > 2


def test_a_huge_or_odd_filter_value_is_never_a_500(browser):
    huge = "99999999999999999999"
    for url, query in [
        ("/techniques/", {"category": huge}),
        ("/techniques/", {"disease": huge}),
        ("/techniques/manage/", {"inheritance": huge}),
        ("/evaluations/graded/", {"category": huge}),
        ("/cases/", {"owner": huge}),
        ("/apprenticeships/review/", {"master": huge}),
        ("/techniques/", {"q": "'"}),
        ("/techniques/", {"q": "%"}),
        ("/techniques/manage/", {"q": "\x01"}),
        (f"{API}/techniques", {"category": huge}),
        (f"{API}/apprentice-applications", {"master": huge}),
        ("/evaluations/open/", {"category": huge}),
    ]:
        response = browser.get(url, query)
        assert response.status_code == 200, (url, query, response.status_code)


def test_a_huge_apprenticeship_in_the_masters_hours_queue_is_no_500(world):
    from teaching.tests.factories import apprenticeship_for

    apprenticeship_for(world)
    master = Client(raise_request_exception=False)
    master.force_login(world.zhang)
    assert master.get("/teaching/confirm/", {"apprenticeship": "99999999999999999999"}).status_code == 200
    assert master.get("/teaching/confirm/", {"apprenticeship": "-3"}).status_code == 200


# --- certificate numbers, multipart, max_len -------------------------------------------------------


def test_a_slash_in_a_verification_number_is_a_400(browser, api):
    assert_refused(browser.get("/verify/", {"number": "ZC/2026/0001"}), "证书编号", "/")
    assert api.get(f"{API}/certificates/verify/ZC%2F2026").status_code == 404


def test_multipart_without_a_boundary_is_a_400(browser):
    for url in ("/cases/import/", "/apprenticeships/import/", f"{API}/cases"):
        response = browser.post(url, b"--x\r\nContent-Disposition: form-data", content_type="multipart/form-data")
        assert_refused(response, "boundary")


def test_a_form_posted_to_a_json_api_operation_is_refused_not_a_500(browser, api):
    for client in (browser, api):
        response = client.post(f"{API}/case-analyses", {"max_len": "4"})
        assert response.status_code == 400, response.content[:300]
    assert_refused(api.post(f"{API}/case-analyses", {"max_len": "4\x00"}), "「max_len」", "空字符")


def test_an_absurd_max_len_in_the_api_is_a_400(api):
    for max_len in (0, -1, 11, 10**6, 2**63):
        response = api.post(f"{API}/case-analyses", {"max_len": max_len}, content_type="application/json")
        assert_refused(response, "max_len")
    response = api.post(f"{API}/case-analyses", {"clusters": 10**9}, content_type="application/json")
    assert_refused(response, "clusters")


def test_an_absurd_max_len_on_the_page_is_refused_by_the_form(browser):
    for max_len in ("0", "-1", "11", "1000000", "99999999999999999999", "abc"):
        response = browser.post(
            "/cases/analyses/new/", {"max_len": max_len, "min_support": "0.1", "min_confidence": "0.8"}
        )
        assert response.status_code == 200
        assert "最多药味数" in response.content.decode()
