"""Experts, accepted techniques and evaluations at each stage, made through the real services."""

from __future__ import annotations

import importlib
import itertools
from datetime import timedelta

from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Membership, Organization, Region, User
from chuancheng.test import PASSWORD, declaration_for
from evaluations import services
from evaluations.models import Assignment, Evaluation, ExpertProfile, GradeScale, Rubric
from techniques.models import Technique, Term
from techniques.services import technique_advance

_seq = itertools.count(1)


def ensure_defaults() -> None:
    """Transactional tests empty every table, the default rubric and grade scale included."""
    if not Rubric.objects.filter(is_default=True).exists() or not GradeScale.objects.exists():
        from django.apps import apps

        importlib.import_module("evaluations.migrations.0002_default_rubric").load(apps, None)


def default_rubric() -> Rubric:
    ensure_defaults()
    return Rubric.objects.get(is_default=True)


def criteria_by_name(rubric: Rubric | None = None) -> dict[str, int]:
    rubric = rubric or default_rubric()
    return {c.name: c.pk for c in rubric.criteria.all()}


def hospital(name: str, code: str) -> Organization:
    existing = Organization.objects.filter(name=name).first()
    return existing or accounts_services.organization_create(
        name=name, kind=Organization.Kind.MEDICAL, region=Region.objects.get(code=code)
    )


def expert(
    world,
    full_name: str,
    *,
    field: str = "tcm",
    organization: Organization | None = None,
    specialties: tuple[str, ...] = ("小儿推拿",),
    title: str = "chief",
    user: User | None = None,
) -> ExpertProfile:
    """An expert in the pool: a person with the expert role at a hospital (永济 by default)."""
    if user is None:
        organization = organization or world.yongji_tcm
        n = next(_seq)
        user = accounts_services.user_create(
            username=f"expert{n}",
            password=PASSWORD,
            full_name=full_name,
            region=organization.region,
            phone=f"1390359{7000 + n:04d}",
            email=f"expert{n}@example.cn",
        )
        accounts_services.membership_grant(user=user, organization=organization, role=Membership.Role.EXPERT)
    terms = list(Term.objects.filter(vocabulary__in=["category", "disease"], name__in=specialties))
    return services.expert_profile_create(
        actor=world.yang, user=user, field=field, title=title, organization=organization, specialties=terms
    )


def city_colleague(world, username: str = "li_city", full_name: str = "李科长") -> User:
    """A colleague of 杨主任 at the city office (office staff of 运城市卫生健康委员会)."""
    colleague = accounts_services.user_create(
        username=username, password=PASSWORD, full_name=full_name, region=world.city_health.region
    )
    accounts_services.membership_grant(
        user=colleague, organization=world.city_health, role=Membership.Role.OFFICE_STAFF
    )
    return colleague


def accepted_technique(world, name: str = "郭氏小儿推拿治疗积滞", region: Region | None = None) -> Technique:
    """郭秀兰's declaration in a township of 盐湖区, received, verified and accepted."""
    region = region or world.township_centre.region
    technique = declaration_for(world.guo, region, submit=True, name=name)
    for actor, to in ((world.lin, "received"), (world.sun, "verified"), (world.yang, "accepted")):
        technique_advance(technique=technique, actor=actor, to=to)
    technique.refresh_from_db()
    return technique


def pool(world) -> dict[str, ExpertProfile]:
    """Five TCM and three Western experts outside 盐湖区, none conflicted with 郭秀兰's technique."""
    hejin = hospital("河津市人民医院", "140882")
    wanrong = hospital("万荣县中医医院", "140822")
    names = {
        "ma": ("马建华", "tcm", world.yongji_tcm),
        "tian": ("田玉珍", "tcm", world.yongji_tcm),
        "he": ("何守义", "tcm", wanrong),
        "lu": ("卢桂英", "tcm", wanrong),
        "song": ("宋长顺", "tcm", hejin),
        "xu": ("徐文华", "western", hejin),
        "cao": ("曹海平", "western", hejin),
        "deng": ("邓金凤", "western", world.yongji_tcm),
    }
    return {
        key: expert(world, full_name, field=field, organization=org) for key, (full_name, field, org) in names.items()
    }


def open_evaluation(world, technique: Technique | None = None, *, tcm: int = 3, western: int = 2, days: int = 10):
    technique = technique or accepted_technique(world)
    return services.evaluation_open(
        actor=world.yang,
        techniques=[technique],
        rubric=default_rubric(),
        deadline=timezone.now() + timedelta(days=days),
        tcm_count=tcm,
        western_count=western,
    )[0]


def invite_and_accept(world, evaluation: Evaluation, experts: list[ExpertProfile]) -> list[Assignment]:
    assignments = []
    for e in experts:
        a = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=e)
        services.assignment_respond(actor=e.user, assignment=a, accept=True)
        a.refresh_from_db()
        assignments.append(a)
    return assignments


def scoring_evaluation(world, experts: dict[str, ExpertProfile] | None = None, **kwargs):
    """An evaluation in scoring with a panel of 3 TCM (马, 田, 何) and 2 Western (徐, 曹) experts."""
    experts = experts or pool(world)
    evaluation = open_evaluation(world, **kwargs)
    panel = [experts[k] for k in ("ma", "tian", "he", "xu", "cao")]
    assignments = invite_and_accept(world, evaluation, panel)
    services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation, assignments


UNIFORM = {"安全性": 90, "有效性": 85, "传承价值": 80, "独特性": 80, "推广难易度": 75, "经济价值": 70, "社会价值": 80}


def sheet(values: dict[str, object], rubric: Rubric | None = None) -> dict[int, services.ScoreInput]:
    ids = criteria_by_name(rubric)
    result = {}
    for name, value in values.items():
        if value == "n/a":
            result[ids[name]] = services.ScoreInput(not_applicable=True)
        else:
            result[ids[name]] = services.ScoreInput(value=value)
    return result


def submit(assignment: Assignment, values: dict[str, object] | None = None) -> Assignment:
    assignment.refresh_from_db()
    return services.score_submit(actor=assignment.expert.user, assignment=assignment, sheet=sheet(values or UNIFORM))


def concluded_evaluation(world, **kwargs):
    evaluation, assignments = scoring_evaluation(world, **kwargs)
    for a in assignments:
        submit(a)
    evaluation.refresh_from_db()
    services.evaluation_conclude(
        actor=world.yang,
        evaluation=evaluation,
        passed=True,
        grade="乙级",
        recommendation="promote",
        conclusion="安全有效，传承脉络清晰，建议列为乙级并推广。",
    )
    evaluation.refresh_from_db()
    return evaluation, assignments


def finalized_evaluation(world, **kwargs):
    evaluation, assignments = concluded_evaluation(world, **kwargs)
    services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=True, grade="乙级", management_class="推广类"
    )
    evaluation.refresh_from_db()
    return evaluation, assignments
