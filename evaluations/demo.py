"""Demo data of the evaluations app, loaded by chuancheng.demo.load_demo (make run).

An expert pool of TCM and Western-medicine experts at real Yuncheng hospitals, and one batch of
evaluations with one at every stage: experts still answering, scoring under way, scored with the
experts far apart (flagged), waiting for the office's decision, graded and promoted with a
training class, a specialty clinic and a price proposal, graded after a re-review round, not
passed, and cancelled. Everything goes through the real services.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

BATCH_TITLE = "2026年第一批优势技术价值评估"

# (username, full name, organization key in chuancheng.demo, field, title, specialties, birth)
EXPERTS = [
    ("expert_wdm", "王德明", "city_tcm", "tcm", "chief", ("小儿推拿", "积滞", "厌食"), "19630512"),
    ("expert_sxf", "史秀芳", "yongji_tcm", "tcm", "chief", ("针刺疗法", "痹病"), "19660823"),
    ("expert_xsr", "薛守仁", "hejin_tcm", "tcm", "associate_chief", ("刮痧疗法", "感冒"), "19700214"),
    ("expert_czy", "畅志远", "linyi_tcm", "tcm", "chief", ("艾灸疗法", "腹痛", "泄泻"), "19641130"),
    ("expert_wyl", "卫玉兰", "city_tcm", "tcm", "professor", ("中药外治", "湿疮"), "19680709"),
    ("expert_cjh", "柴建华", "city_central", "western", "chief", ("痹病", "腰痛"), "19670318"),
    ("expert_jcs", "吉春生", "yongji_tcm", "western", "associate_chief", ("感冒", "咳嗽"), "19720426"),
]


def _experts(orgs: dict) -> list:
    from accounts.models import Membership, User
    from chuancheng.demo import demo_person
    from evaluations import services
    from evaluations.models import ExpertProfile
    from techniques.models import Term

    city_office = User.objects.get(username="cityoffice")
    people = [("expert", "陈立新", "city_central", "western", "chief", ("小儿推拿", "针刺疗法", "腰痛"), "")] + EXPERTS
    profiles = []
    for seq, (username, full_name, org_key, field, title, specialties, birth) in enumerate(people, start=40):
        organization = orgs[org_key]
        user = demo_person(
            username=username,
            name=full_name,
            region=organization.region_id,
            phone=f"1393590{seq:04d}",
            birth=birth,
            serial=seq,
            memberships=[(organization, Membership.Role.EXPERT)],
        )
        profile = ExpertProfile.objects.filter(user=user).first()
        if profile is None:
            terms = list(Term.objects.filter(vocabulary__in=["category", "disease"], name__in=specialties))
            profile = services.expert_profile_create(
                actor=city_office, user=user, field=field, title=title, organization=organization, specialties=terms
            )
        profiles.append(profile)
    return profiles


def _panel(evaluation, actor) -> list:
    """The suggested experts for each seat; a conflicted one only with a recorded waiver."""
    from evaluations import services

    chosen = []
    for field, seats in (("tcm", evaluation.tcm_count), ("western", evaluation.western_count)):
        suggestions = services.experts_suggest(evaluation=evaluation, field=field, limit=20)
        clean = [s for s in suggestions if not s.conflicts] + [s for s in suggestions if s.conflicts]
        for s in clean[:seats]:
            waiver = "专长对口专家不足，经办公室集体研究同意其参加，并在论证时说明" if s.conflicts else ""
            chosen.append(
                services.assignment_create(actor=actor, evaluation=evaluation, expert=s.expert, waiver_reason=waiver)
            )
    return chosen


def _accept(assignments) -> None:
    from evaluations import services

    for a in assignments:
        a.refresh_from_db()
        if a.status == "invited":
            services.assignment_respond(actor=a.expert.user, assignment=a, accept=True)


def _score(assignment, rng: random.Random, base: int, spread: int = 4, overrides: dict | None = None) -> None:
    from evaluations import services

    assignment.refresh_from_db()
    sheet = {}
    for c in assignment.evaluation.rubric.criteria.all():
        value = (overrides or {}).get(c.name, min(100, max(0, base + rng.randint(-spread, spread))))
        sheet[c.pk] = services.ScoreInput(value=value, comment="")
    services.score_submit(actor=assignment.expert.user, assignment=assignment, sheet=sheet, overall_comment="同意推荐")


EFFICACY = [
    ("患者，女，46岁，病程三年，反复发作", "视觉模拟评分（VAS）", "7分", "2分", "marked"),
    ("患者，男，8岁，纳呆腹胀半月", "症状积分", "12分", "3分", "effective"),
]
FOLLOW_UPS = [
    ("随访对象 01", 20, "phone", "治疗后三个月未复发，生活自理", ""),
    ("随访对象 02", 12, "home", "症状明显减轻，仍需间断治疗", "治疗部位轻度皮肤潮红，两日自行消退"),
]


def _evidence(evaluation, actor) -> None:
    from evaluations import services

    for case, measure, before, after, judgement in EFFICACY:
        services.efficacy_record_add(
            actor=actor,
            evaluation=evaluation,
            case=case,
            measure=measure,
            before=before,
            after=after,
            judgement=judgement,
        )
    for patient, days_ago, method, outcome, adverse in FOLLOW_UPS:
        services.follow_up_add(
            actor=actor,
            evaluation=evaluation,
            patient=patient,
            followed_on=timezone.localdate() - timedelta(days=days_ago),
            method=method,
            outcome=outcome,
            adverse_events=adverse,
        )


def load_demo_evaluations(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run."""
    from accounts.models import User
    from evaluations import outcomes, services
    from evaluations.models import Evaluation, EvaluationBatch, GradeScale, Rubric
    from techniques.models import Technique

    _experts(orgs)
    if EvaluationBatch.objects.filter(title=BATCH_TITLE).exists():
        return
    rubric = Rubric.objects.filter(is_default=True).first()
    if rubric is None or not GradeScale.objects.exists():
        return
    actor = User.objects.get(username="cityoffice")
    candidates = list(
        Technique.objects.filter(status__in=["accepted", "published"])
        .exclude(evaluations__isnull=False)
        .order_by("code", "pk")[:8]
    )
    if len(candidates) < 8:
        return
    rng = random.Random(2026)
    evaluations = services.evaluation_open(
        actor=actor,
        techniques=candidates,
        rubric=rubric,
        deadline=timezone.now() + timedelta(days=21),
        tcm_count=3,
        western_count=2,
        title=BATCH_TITLE,
    )
    assigning, scoring, flagged, concluded, promoted, rereviewed, failed, cancelled = evaluations

    # 1. Still forming the panel: two experts answered, the rest have not yet.
    panel = _panel(assigning, actor)
    _accept(panel[:1])
    second = panel[1]
    second.refresh_from_db()
    services.assignment_respond(
        actor=second.expert.user, assignment=second, accept=False, reason="近期赴省中医院进修，时间冲突"
    )

    # 2. Scoring under way; one expert has not scored and the deadline has passed (overdue).
    panel = _panel(scoring, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=scoring)
    _evidence(scoring, actor)
    for a in panel[:4]:
        _score(a, rng, 80)
    # The demo needs an overdue expert to show on the dashboard; time cannot pass in a demo.
    Evaluation.objects.filter(pk=scoring.pk).update(deadline=timezone.now() - timedelta(days=2))

    # 3. Scored, and the experts disagree on efficacy and safety: flagged.
    panel = _panel(flagged, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=flagged)
    _evidence(flagged, actor)
    for n, a in enumerate(panel):
        efficacy = 45 if n == 0 else 88
        safety = 92 if n != 1 else 55
        _score(a, rng, 82, overrides={"有效性": efficacy, "安全性": safety})

    # 4. Concluded by the panel, waiting for the office's final decision.
    panel = _panel(concluded, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=concluded)
    _evidence(concluded, actor)
    for a in panel:
        _score(a, rng, 78)
    _conclude(concluded, actor, "传承脉络清晰，疗效较好，安全性可控，建议列为乙级。")

    # 5. Graded 甲级, promoted: a training class, a specialty clinic and a price proposal.
    panel = _panel(promoted, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=promoted)
    _evidence(promoted, actor)
    for a in panel:
        _score(a, rng, 90, spread=3)
    services.meeting_add(
        actor=actor,
        evaluation=promoted,
        held_on=timezone.localdate() - timedelta(days=3),
        place="运城市卫生健康委员会第三会议室",
        attendees=[a.expert for a in panel],
        minutes="与会专家听取持有人演示，查阅病例与随访记录，逐项论证安全性与有效性。",
        conclusion="一致同意推荐列入推广名录。",
    )
    _conclude(promoted, actor, "疗效确切、操作规范、易于基层推广，建议列为甲级。")
    promoted.refresh_from_db()
    services.evaluation_finalize(
        actor=actor,
        evaluation=promoted,
        passed=True,
        grade=promoted.conclusions.get().grade,
        management_class="推广应用类",
    )
    promoted.refresh_from_db()
    if promoted.decision.passed:
        listing = outcomes.promotion_list(
            actor=actor, evaluation=promoted, scope_note="全市乡镇卫生院、社区卫生服务中心"
        )
        holder = promoted.technique.holders.first()
        today = timezone.localdate()
        training = outcomes.training_class_add(
            actor=actor,
            listing=listing,
            holder=holder,
            title=f"{promoted.technique.name}基层培训班（第一期）",
            starts_on=today - timedelta(days=30),
            ends_on=today - timedelta(days=25),
            place="运城市中医医院",
        )
        for name, unit in (("李红霞", "解州镇卫生院"), ("张志刚", "三路里镇卫生院"), ("赵丽萍", "东郭镇卫生院")):
            trainee = outcomes.trainee_add(actor=actor, training_class=training, name=name, organization=unit)
            if name != "赵丽萍":
                outcomes.trainee_complete(actor=actor, trainee=trainee)
        outcomes.clinic_add(
            actor=actor,
            listing=listing,
            name=f"{promoted.technique.name}特色诊室",
            organization=orgs["city_tcm"],
            opened_on=today,
        )
        outcomes.pricing_record(
            actor=actor,
            evaluation=promoted,
            clinical_value=85,
            patient_recognition=90,
            labour_value=75,
            reference_price="45",
            outpatient=True,
            day_treatment=True,
            rationale="门诊常见病，疗程短，技术劳务占比高",
        )

    # 6. A re-review: the first round's follow-up was too thin; the second round graded it.
    panel = _panel(rereviewed, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=rereviewed)
    for a in panel:
        _score(a, rng, 72)
    _conclude(rereviewed, actor, "随访病例偏少，疗效证据尚不充分。")
    rereviewed.refresh_from_db()
    services.evaluation_rereview(
        actor=actor, evaluation=rereviewed, reason="补充随访病例后复评", deadline=timezone.now() + timedelta(days=14)
    )
    rereviewed.refresh_from_db()
    _evidence(rereviewed, actor)
    panel = _panel(rereviewed, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=rereviewed)
    for a in panel:
        _score(a, rng, 80)
    _conclude(rereviewed, actor, "补充随访后疗效证据充分，建议列为乙级。")
    rereviewed.refresh_from_db()
    services.evaluation_finalize(
        actor=actor,
        evaluation=rereviewed,
        passed=True,
        grade=rereviewed.conclusions.get(round=2).grade,
        management_class="保护传承类",
    )

    # 7. Not passed.
    panel = _panel(failed, actor)
    _accept(panel)
    services.evaluation_start_scoring(actor=actor, evaluation=failed)
    for a in panel:
        _score(a, rng, 52)
    _conclude(failed, actor, "疗效证据不足，暂不予分级。")
    failed.refresh_from_db()
    services.evaluation_finalize(actor=actor, evaluation=failed, passed=False, grade="", reason="同意专家组意见")

    # 8. Cancelled: the holder withdrew consent to be evaluated.
    services.evaluation_cancel(actor=actor, evaluation=cancelled, reason="持有人申请暂缓评估")


def _conclude(evaluation, actor, text: str) -> None:
    from evaluations import scoring, services

    evaluation.refresh_from_db()
    result = services.evaluation_aggregate(evaluation)
    grade = scoring.grade_for(result.score, services.grade_levels(evaluation))
    services.evaluation_conclude(
        actor=actor,
        evaluation=evaluation,
        passed=bool(grade),
        grade=grade,
        recommendation="promote" if grade else "not_recommended",
        conclusion=text,
    )
