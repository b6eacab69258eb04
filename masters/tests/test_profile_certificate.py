"""The public profile's certificate link opens the public verification page (issue 13 §13): a
number alone opens nothing, so the link carries the certificate's verification code."""

import re

import pytest
from django.urls import reverse

from masters.tests.factories import applicant, certified

pytestmark = pytest.mark.django_db


def test_the_certificate_on_zhangs_profile_opens_its_verification_page(client, world):
    zhang = certified(world, applicant(world, "张德润"), specialty="针灸治疗中风")
    body = client.get(reverse("masters:profile", args=[zhang.pk])).content.decode()
    link = re.search(r'id="master-certificate"><a href="([^"]+)"', body)
    assert link, body
    href = link.group(1).replace("&amp;", "&")
    assert "?c=" in href
    page = client.get(href)
    assert page.status_code == 200
    assert zhang.certificate_number in page.content.decode() and "有效" in page.content.decode()
