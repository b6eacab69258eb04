"""The demo has evaluations at every stage, one flagged for disagreement, and loads twice
without change."""


def test_the_demo_has_an_evaluation_at_every_stage_and_loads_idempotently(db, monkeypatch):
    from chuancheng import demo
    from evaluations.models import Assignment, Evaluation, ExpertProfile, PricingProposal, PromotionListing
    from evaluations.tests.factories import ensure_defaults

    ensure_defaults()
    # Only this app's loader: the other programmes' demos are tested by their own apps.
    monkeypatch.setattr(demo, "DEMO_LOADERS", ["evaluations.demo.load_demo_evaluations"])
    demo.load_demo(techniques=40)
    statuses = set(Evaluation.objects.values_list("status", flat=True))
    assert statuses == {"assigning", "scoring", "concluded", "finalized", "cancelled"}
    assert Evaluation.objects.filter(flagged=True, status="scoring").exists()
    assert Evaluation.objects.filter(round=2, status="finalized").exists()
    assert Evaluation.objects.filter(status="finalized", decision__passed=False).exists()
    assert PromotionListing.objects.count() == 1 and PricingProposal.objects.count() == 1
    assert ExpertProfile.objects.get(user__username="expert").user.full_name == "陈立新"
    assert Assignment.objects.filter(status="declined").exists()
    counts = (Evaluation.objects.count(), Assignment.objects.count(), ExpertProfile.objects.count())
    demo.load_demo(techniques=40)
    assert (Evaluation.objects.count(), Assignment.objects.count(), ExpertProfile.objects.count()) == counts
