"""Background work of the evaluation: reminders before and after the scoring deadline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from evaluations import rules
from evaluations.models import Assignment, Evaluation
from evaluations.services import office_staff_of
from notifications.services import notify

WAITING = (Assignment.Status.INVITED, Assignment.Status.ACCEPTED)
RUNNING = (Evaluation.Status.ASSIGNING, Evaluation.Status.SCORING)
BATCH = 500


def _what(assignment: Assignment) -> str:
    return "答复评估邀请" if assignment.status == Assignment.Status.INVITED else "提交评分"


def reminders_send(now: datetime | None = None) -> dict[str, int]:
    """Each waiting expert is reminded once when the deadline is REMIND_BEFORE away and once when
    it has passed; the office hears of every overdue expert. Safe to run as often as wanted."""
    now = now or timezone.now()
    counts = {"before": 0, "after": 0}
    base = Assignment.objects.filter(
        status__in=WAITING,
        evaluation__status__in=RUNNING,
        round=F("evaluation__round"),  # only the current round waits for anyone
    ).select_related("expert__user", "evaluation__technique", "evaluation__opened_by")
    before = base.filter(
        reminded_before_at=None, evaluation__deadline__gt=now, evaluation__deadline__lte=now + rules.REMIND_BEFORE
    )
    while chunk := list(before[:BATCH]):
        with transaction.atomic():
            for a in chunk:
                ev = a.evaluation
                notify(
                    recipients=[a.expert.user],
                    title=f"提醒：请于 {timezone.localtime(ev.deadline):%m月%d日 %H:%M} 前{_what(a)}（{ev.technique.name}）",
                    url=reverse("evaluations:queue"),
                )
            Assignment.objects.filter(pk__in=[a.pk for a in chunk]).update(reminded_before_at=now)
        counts["before"] += len(chunk)
    after = base.filter(reminded_after_at=None, evaluation__deadline__lte=now)
    while chunk := list(after[:BATCH]):
        with transaction.atomic():
            for a in chunk:
                ev = a.evaluation
                notify(
                    recipients=[a.expert.user],
                    title=f"已逾期：{ev.technique.name}的评估截止时间已过，您尚未{_what(a)}",
                    body="请尽快联系市卫生健康委员会办公室。",
                    url=reverse("evaluations:queue"),
                )
                notify(
                    recipients=office_staff_of(ev),
                    title=f"专家逾期：{a.expert}尚未{_what(a)}（{ev.technique.name}）",
                    url=reverse("evaluations:detail", args=[ev.pk]),
                )
            Assignment.objects.filter(pk__in=[a.pk for a in chunk]).update(reminded_after_at=now)
        counts["after"] += len(chunk)
    return counts


@task()
def send_evaluation_reminders() -> dict[str, int]:
    return reminders_send()
