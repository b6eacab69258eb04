"""Background work of the evaluation: reminders before and after the scoring deadline.

Reminders are not state changes (nothing moves when a deadline nears or passes), so they are sent
here with notify() rather than from a NOTIFY map."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from evaluations import rules
from evaluations.models import Assignment, Evaluation
from evaluations.services import office_staff_of
from notifications.services import notify

WAITING = (Assignment.Status.INVITED, Assignment.Status.ACCEPTED)
RUNNING = Evaluation.PANEL_STATES
BATCH = 500


def _what(assignment: Assignment) -> str:
    return _("答复评估邀请") if assignment.status == Assignment.Status.INVITED else _("提交评分")


def reminders_send(now: datetime | None = None) -> dict[str, int]:
    """Each waiting expert is reminded once when the deadline is REMIND_BEFORE away and once when
    it has passed; the office hears of every overdue expert. Safe to run as often as wanted."""
    with translation.override("zh-hans"):  # notices are written in the programme's language
        return _send(now or timezone.now())


def _send(now: datetime) -> dict[str, int]:
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
                    title=_("提醒：请于 %(deadline)s 前%(what)s（%(name)s）")
                    % {
                        "deadline": f"{timezone.localtime(ev.deadline):%m月%d日 %H:%M}",
                        "what": _what(a),
                        "name": ev.technique.name,
                    },
                    url=a.get_absolute_url(),
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
                    title=_("已逾期：%(name)s的评估截止时间已过，您尚未%(what)s")
                    % {"name": ev.technique.name, "what": _what(a)},
                    body=_("请尽快联系市卫生健康委员会办公室。"),
                    url=reverse("evaluations:queue"),
                )
                notify(
                    recipients=office_staff_of(ev),
                    title=_("专家逾期：%(expert)s尚未%(what)s（%(name)s）")
                    % {"expert": a.expert, "what": _what(a), "name": ev.technique.name},
                    url=ev.get_absolute_url(),
                )
            Assignment.objects.filter(pk__in=[a.pk for a in chunk]).update(reminded_after_at=now)
        counts["after"] += len(chunk)
    return counts


@task()
def send_evaluation_reminders() -> dict[str, int]:
    return reminders_send()
