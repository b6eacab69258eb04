"""A master's materials (MST-4): uploads checked by content, publication, access to the files."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lib.errors import ApplicationError
from masters import services
from masters.models import MasterMaterial
from masters.tests.factories import certified
from workflow.models import AuditEntry

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (180, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def master(world):
    return certified(world)


def test_zhang_uploads_a_video_and_publishes_it_on_his_profile(world, master, client_for, client):
    c = client_for("zhang")
    response = c.post(
        reverse("masters:material-list", args=[master.pk]),
        {"kind": "video", "title": "醒脑开窍针法演示", "file": upload("demo.mp4", MP4)},
    )
    assert response.status_code == 302
    material = MasterMaterial.objects.get(master=master)
    assert material.mime == "video/mp4" and material.status == "draft"
    assert material.file.name.endswith(".mp4")
    # Unpublished: the public neither sees it on the profile nor reaches the file.
    assert "醒脑开窍针法演示" not in client.get(reverse("masters:profile", args=[master.pk])).content.decode()
    assert client.get(reverse("masters:material-file", args=[material.pk])).status_code == 404
    assert c.get(reverse("masters:material-file", args=[material.pk])).status_code == 200
    c.post(reverse("masters:material-publish", args=[material.pk]), {"publish": "1"})
    body = client.get(reverse("masters:profile", args=[master.pk])).content.decode()
    assert "醒脑开窍针法演示" in body and "<video controls" in body
    response = client.get(reverse("masters:material-file", args=[material.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == MP4
    assert AuditEntry.objects.filter(content_type__model="mastermaterial", to_state="已公开").exists()


def test_a_text_file_named_png_is_refused_naming_the_rule(world, master):
    with pytest.raises(ApplicationError, match="文件内容不是允许的类型.*请勿仅修改扩展名") as refused:
        services.master_material_add(
            master=master, actor=world.zhang, kind="image", title="舌象", upload=upload("tongue.png", b"hello world")
        )
    assert refused.value.field == "file"
    assert not MasterMaterial.objects.exists()


def test_an_oversize_image_is_refused(world, master):
    big = upload("big.png", png() + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(ApplicationError, match="文件不能超过 10 MB"):
        services.master_material_add(master=master, actor=world.zhang, kind="image", title="舌象", upload=big)
    assert not MasterMaterial.objects.exists()


def test_the_upload_page_shows_the_refusal_in_chinese(world, master, client_for):
    response = client_for("zhang").post(
        reverse("masters:material-list", args=[master.pk]),
        {"kind": "textbook", "title": "针灸讲义", "file": upload("jiangyi.pdf", png())},
    )
    assert response.status_code == 200
    assert "文件内容不是允许的类型" in response.content.decode()


def test_a_product_records_its_partners(world, master, client, client_for):
    product = services.master_material_add(
        master=master,
        actor=world.zhang,
        kind="product",
        title="通络止痛方",
        product_type="prescription",
        description="黄芪、当归、川芎、地龙、全蝎",
    )
    services.material_partner_add(
        material=product, actor=world.zhang, kind="research", name="山西中医药大学", cooperation="药效学研究"
    )
    services.material_partner_add(material=product, actor=world.zhang, kind="industry", name="山西广誉远国药有限公司")
    with pytest.raises(ApplicationError, match="合作单位：必须填写"):
        services.material_partner_add(material=product, actor=world.zhang, kind="industry", name=" ")
    services.master_material_publish(material=product, actor=world.zhang, publish=True)
    body = client.get(reverse("masters:profile", args=[master.pk])).content.decode()
    assert "通络止痛方" in body and "山西中医药大学" in body and "产业合作" in body


def test_only_the_master_manages_his_materials(world, master, client_for):
    material = services.master_material_add(
        master=master, actor=world.zhang, kind="image", title="舌象", upload=upload("a.png", png())
    )
    assert client_for("sun").get(reverse("masters:material-list", args=[master.pk])).status_code == 403
    assert client_for("zhou").get(reverse("masters:material-list", args=[master.pk])).status_code == 404
    with pytest.raises(Exception) as denied:
        services.master_material_publish(material=material, actor=world.sun, publish=True)
    assert denied.type.__name__ == "PermissionDenied"
    # Staff in scope may open the unpublished file; the outsider may not.
    assert client_for("sun").get(reverse("masters:material-file", args=[material.pk])).status_code == 200
    assert client_for("zhou").get(reverse("masters:material-file", args=[material.pk])).status_code == 404


def test_removing_a_material_deletes_its_file(world, master, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    material = services.master_material_add(
        master=master, actor=world.zhang, kind="image", title="舌象", upload=upload("a.png", png())
    )
    name = material.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.master_material_remove(material=material, actor=world.zhang)
    assert not default_storage.exists(name) and not MasterMaterial.objects.exists()
