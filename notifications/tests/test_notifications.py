"""Notifications: written with the step, emailed after commit, read by their recipient only."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import send_notification_emails


def test_a_notice_reaches_each_recipient_once_and_skips_disabled_accounts(world):
    world.chen.is_active = False
    world.chen.save(update_fields=["is_active"])
    notify(recipients=[world.liming, world.liming, world.zhang, world.chen], title="申请已退回，请修改")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["liming", "zhang"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_step_announces_nothing(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[world.liming], title="审核通过")
        raise RuntimeError("the step failed")
    assert not Notification.objects.exists()


def test_the_email_goes_once_with_a_link_to_the_step(world, settings):
    settings.SITE_URL = "https://chuancheng.example.cn"
    world.liming.email = "liming@example.cn"
    world.liming.save(update_fields=["email"])
    notice = notify(recipients=[world.liming], title="师承合同待签署", body="请签署合同。", url="/apprenticeships/1/")[
        0
    ]
    assert send_notification_emails.call([notice.pk]) == 1
    assert send_notification_emails.call([notice.pk]) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["liming@example.cn"]
    assert "【传承平台】师承合同待签署" == mail.outbox[0].subject
    assert "https://chuancheng.example.cn/apprenticeships/1/" in mail.outbox[0].body


def test_liming_sees_his_unread_count_and_opening_a_notice_marks_it_read(world, client_for):
    notice = notify(recipients=[world.liming], title="导师已接受您的申请", url="/workbench/")[0]
    client = client_for("liming")
    page = client.get(reverse("portal:workbench"))
    assert 'data-testid="unread-count">1<' in page.content.decode()
    assert "导师已接受您的申请" in page.content.decode()
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'data-testid="unread-count"' not in client.get(reverse("notifications:inbox")).content.decode()


def test_a_notice_pointing_off_site_is_not_followed(world, client_for):
    notice = notify(recipients=[world.liming], title="钓鱼链接", url="https://evil.example.com/")[0]
    response = client_for("liming").get(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_the_inbox_costs_the_same_queries_for_five_or_fifty_notices(world, client_for, django_assert_max_num_queries):
    client = client_for("liming")
    notify(recipients=[world.liming], title="first")
    client.get(reverse("notifications:inbox"))
    for i in range(50):
        notify(recipients=[world.liming], title=f"通知 {i}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:inbox")).status_code == 200
