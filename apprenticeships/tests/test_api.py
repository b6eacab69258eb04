"""The API walks the same steps through the same services."""

import pytest

from apprenticeships.models import Apprenticeship
from apprenticeships.tests.factories import PDF, zhang_master

pytestmark = pytest.mark.django_db


def test_the_whole_way_through_the_api(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    master = zhang_master(world)
    liming, wang, zhao, zhang = (client_for(p) for p in ("liming", "wang", "zhao", "zhang"))
    created = liming.post(
        "/api/v1/apprentice-applications",
        {
            "organization": world.yongji_tcm.pk,
            "region": "140881",
            "title": "attending",
            "specialty": "针灸治疗中风后遗症",
            "term": "one_year",
            "masters": [master.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    for kind in ("resume", "degree", "qualification", "title"):
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
        assert (
            liming.post(f"/api/v1/apprentice-applications/{pk}/documents?kind={kind}", {"file": upload}).status_code
            == 201
        )
    again = liming.post(
        "/api/v1/apprentice-applications",
        {
            "organization": world.yongji_tcm.pk,
            "region": "140881",
            "title": "attending",
            "specialty": "针灸",
            "term": "one_year",
            "masters": [master.pk],
        },
        content_type="application/json",
    )
    assert again.status_code == 400 and "不能重复申请" in again.json()["detail"]
    assert liming.post(f"/api/v1/apprentice-applications/{pk}/submit").json()["status"] == "submitted"
    documents = liming.get(f"/api/v1/apprentice-applications/{pk}").json()["documents"]
    verdicts = [{"document": d["id"], "verdict": "accepted"} for d in documents]
    assert (
        wang.post(
            f"/api/v1/apprentice-applications/{pk}/vet", {"verdicts": verdicts}, content_type="application/json"
        ).json()["status"]
        == "vetted"
    )
    late = wang.post(
        f"/api/v1/apprentice-applications/{pk}/vet", {"verdicts": verdicts}, content_type="application/json"
    )
    assert late.status_code == 409 and "已由其他人员处理" in late.json()["detail"]
    decided = zhao.post(
        f"/api/v1/apprentice-applications/{pk}/decide", {"to": "approved"}, content_type="application/json"
    )
    match_id = decided.json()["matches"][0]["id"]
    assert (
        zhang.post(
            f"/api/v1/apprentice-matches/{match_id}/decide", {"accept": True}, content_type="application/json"
        ).json()["status"]
        == "accepted"
    )
    assert liming.post(f"/api/v1/apprentice-matches/{match_id}/sign").status_code == 200
    signed = zhang.post(f"/api/v1/apprentice-matches/{match_id}/sign").json()
    assert signed["status"] == "signed" and signed["apprenticeship"] == Apprenticeship.objects.get().pk
    assert liming.get("/api/v1/apprenticeships").json()["count"] == 1
