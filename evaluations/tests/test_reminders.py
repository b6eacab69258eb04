"""Reminders before and after the deadline (issue 5 §3): once each, to the expert who owes an
answer or a score; the office hears of the overdue."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from evaluations.models import Evaluation
from evaluations.tasks import reminders_send
from evaluations.tests.factories import scoring_evaluation, submit
from notifications.models import Notification


def test_experts_who_owe_a_score_are_reminded_once_before_and_once_after_the_deadline(world):
    evaluation, assignments = scoring_evaluation(world, days=10)
    submit(assignments[0])
    assert reminders_send() == {"before": 0, "after": 0}
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() + timedelta(days=2))
    assert reminders_send() == {"before": 4, "after": 0}
    assert reminders_send() == {"before": 0, "after": 0}
    owing = assignments[1].expert.user
    assert Notification.objects.filter(recipient=owing, title__startswith="提醒").count() == 1
    assert not Notification.objects.filter(recipient=assignments[0].expert.user, title__startswith="提醒").exists()
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert reminders_send() == {"before": 0, "after": 4}
    assert reminders_send() == {"before": 0, "after": 0}
    assert Notification.objects.filter(recipient=owing, title__startswith="已逾期").count() == 1
    assert Notification.objects.filter(recipient=world.yang, title__startswith="专家逾期").count() == 4


def test_the_command_runs_the_task(world, capsys):
    evaluation, _ = scoring_evaluation(world)
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() + timedelta(hours=5))
    call_command("send_evaluation_reminders", "--now")
    assert "截止前提醒 5 人" in capsys.readouterr().out
    call_command("send_evaluation_reminders")  # enqueued; the test settings run tasks at once
    assert "后台任务队列" in capsys.readouterr().out
