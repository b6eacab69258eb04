"""The demo's masters: every tier certified with a certificate and materials; applications at each
stage; loading twice changes nothing."""

from django.urls import reverse

from certificates.models import Certificate
from masters.models import Master, MasterMaterial, Tier


def test_the_demo_masters_load_once_with_every_tier_certified(db, settings, tmp_path, client):
    settings.MEDIA_ROOT = str(tmp_path)
    from chuancheng.demo import load_demo

    load_demo(techniques=20)
    counts = (Master.objects.count(), Certificate.objects.count(), MasterMaterial.objects.count())
    certified = Master.objects.filter(status=Master.Status.CERTIFIED)
    assert set(certified.values_list("tier", flat=True)) == set(Tier.values)
    assert certified.values("region").distinct().count() >= 4
    assert {"draft", "submitted", "reviewed", "selected"} <= set(Master.objects.values_list("status", flat=True))
    zhang = certified.get(user__username="master")
    assert zhang.name == "张德润" and zhang.organization.name == "运城市中医医院"
    certificate = Certificate.objects.get(master=zhang, kind="master")
    assert zhang.certificate_number == certificate.number
    body = client.get(reverse("masters:profile", args=[zhang.pk])).content.decode()
    assert "针灸推拿示教图" in body and "醒脑开窍针刺法" in body and certificate.number in body
    image = zhang.materials.get(kind="image")
    assert client.get(reverse("masters:material-file", args=[image.pk]))["Content-Type"] == "image/png"
    load_demo(techniques=20)
    assert (Master.objects.count(), Certificate.objects.count(), MasterMaterial.objects.count()) == counts
