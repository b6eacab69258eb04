"""The masters API: directory, profile, the application through certification, materials."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import Certificate
from masters.models import Master
from masters.tests.factories import certified, guide_reviewer
from masters.tests.test_materials import png


def json_post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_an_application_goes_from_draft_to_certified_through_the_api(world, client_for):
    zhang = client_for("zhang")
    response = json_post(
        zhang,
        reverse("api:master_application_create"),
        {
            "tier": "zhiming_traditional",
            "title": "chief",
            "specialty": "针灸推拿",
            "clinical_since": 1990,
            "birth_date": "1965-04-01",
            "organization": world.city_tcm.pk,
            "region": "140802",
            "bio": "擅长针灸治疗中风后遗症。",
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    patched = zhang.patch(
        reverse("api:master_application_get", args=[pk]), {"capacity": 3}, content_type="application/json"
    )
    assert patched.json()["capacity"] == 3
    assert json_post(zhang, reverse("api:master_application_submit", args=[pk]), {}).json()["status"] == "submitted"
    # The wrong decision for the stage, and the wrong person, are refused.
    wang = client_for("wang")
    bad = json_post(wang, reverse("api:master_application_review", args=[pk]), {"decision": "certified"})
    assert bad.status_code == 400 and "此环节只能是" in bad.json()["detail"]
    denied = json_post(zhang, reverse("api:master_application_review", args=[pk]), {"decision": "reviewed"})
    assert denied.status_code == 403
    assert (
        json_post(wang, reverse("api:master_application_review", args=[pk]), {"decision": "reviewed"}).status_code
        == 200
    )
    zhao = client_for("zhao")
    assert (
        json_post(zhao, reverse("api:master_application_select", args=[pk]), {"decision": "selected"}).status_code
        == 200
    )
    guide = client_for("admin")
    guide.force_login(guide_reviewer(world))
    data = json_post(guide, reverse("api:master_application_certify", args=[pk]), {"decision": "certified"}).json()
    assert data["status"] == "certified" and data["certificate_number"].startswith("CCM-")
    assert Certificate.objects.get(number=data["certificate_number"]).issuer == world.guide


def test_bad_fields_are_named(world, client_for):
    response = json_post(
        client_for("zhang"),
        reverse("api:master_application_create"),
        {
            "tier": "emperor",
            "title": "chief",
            "specialty": "针灸",
            "clinical_since": 1990,
            "birth_date": "1965-04-01",
            "organization": world.city_tcm.pk,
            "region": "140802",
        },
    )
    assert response.status_code == 400 and response.json()["field"] == "tier"
    assert not Master.objects.exists()


def test_the_directory_and_the_profile_are_public_and_bounded(world, client, django_assert_max_num_queries):
    from masters.tests.factories import applicant

    for name in ["张德润", "张仲和", "薛荣昌"]:
        certified(world, applicant(world, name))
    with django_assert_max_num_queries(3):
        rows = client.get(reverse("api:master_directory_list"), {"q": "zh"}).json()
    assert sorted(r["name"] for r in rows["items"]) == ["张仲和", "张德润"]
    pk = rows["items"][0]["id"]
    profile = client.get(reverse("api:master_profile_get", args=[pk])).json()
    assert profile["certificate_number"].startswith("CCM-") and profile["materials"] == []


def test_materials_upload_and_list(world, client_for, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    master = certified(world)
    url = reverse("api:master_material_list", args=[master.pk])
    zhang = client_for("zhang")
    response = zhang.post(url, {"kind": "image", "title": "舌象图", "file": SimpleUploadedFile("t.png", png())})
    assert response.status_code == 201 and response.json()["mime"] == "image/png"
    refused = zhang.post(url, {"kind": "image", "title": "伪装", "file": SimpleUploadedFile("t.png", b"MZ\x90")})
    assert refused.status_code == 400 and "请勿仅修改扩展名" in refused.json()["detail"]
    assert [m["title"] for m in zhang.get(url).json()] == ["舌象图"]
    assert client.get(url).json() == []  # not yet published
    assert client_for("sun").post(url, {"kind": "image", "title": "x"}).status_code == 403
