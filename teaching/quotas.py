"""The programme's hour quotas per study term, as data with the clause they come from.

000 §三(五) 表「学习周期课时计划表」: face-to-face theory and case-analysis courses, self-study and
written reflections, per half-year, one-year and three-year term. A policy change is a change of
this table; the progress page, the graduation check and the API all read it from here.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from apprenticeships.models import Term

CLAUSE = "000 §三(五)"
CLAUSE_TEXT = _(
    "项目按照技术推广内容、等级的不同分为半年、一年和三年等学习周期，师承人员需完成项目传承人要求的学习课程"
)
# 000 §三(五) 备注: face-to-face courses may move online when master and apprentice agree.
ONLINE_CLAUSE = "000 §三(五) 备注"
ONLINE_CLAUSE_TEXT = _("如受疫情或其他因素影响，经传承人和师承人商定，面授课程可以通过线上平台开展")


class Category(models.TextChoices):
    THEORY = "theory", _("理论课程")
    CASE_ANALYSIS = "case_analysis", _("病案分析课程")
    SELF_STUDY = "self_study", _("自学")
    REFLECTION = "reflection", _("撰写学习体会")


# The two categories the table lists under 面授 (face-to-face).
FACE_TO_FACE = frozenset({Category.THEORY, Category.CASE_ANALYSIS})

QUOTAS: dict[str, dict[str, int]] = {
    Term.HALF_YEAR: {Category.THEORY: 32, Category.CASE_ANALYSIS: 16, Category.SELF_STUDY: 48, Category.REFLECTION: 24},
    Term.ONE_YEAR: {Category.THEORY: 48, Category.CASE_ANALYSIS: 24, Category.SELF_STUDY: 72, Category.REFLECTION: 36},
    Term.THREE_YEARS: {
        Category.THEORY: 96,
        Category.CASE_ANALYSIS: 48,
        Category.SELF_STUDY: 144,
        Category.REFLECTION: 72,
    },
}
# The table's 合计 row, kept as printed so that a test can hold the categories to it.
TOTALS: dict[str, int] = {Term.HALF_YEAR: 120, Term.ONE_YEAR: 180, Term.THREE_YEARS: 360}


# 000 §三(五) and §四(五): the apprentice completes the term's courses, then hands in the materials
# for the master's assessment — graduation comes at the term's end. The exception the programme
# allows for is the plan's own: the plan is made by the master together with the host unit
# (000 §四(四)), so only the host unit may let materials in before the end, with a reason on record.
TERM_CLAUSE = "000 §三(五)、§四(五)"
EARLY_CLAUSE = "000 §四(四)"
EARLY_CLAUSE_TEXT = _("按照传承人和主办单位共同制定的《传承计划》，由主办单位批准提前结业考核")

# The most hours one day's activities may count, together. The programme sets no daily figure; a
# day of teaching, clinic and study beyond twelve hours is not one a person attends, so more is
# a typing slip (40 for 4.0) or hours of several days entered on one. Read by the activity form
# and by the service that every way of entering hours goes through (pages, API, demo loader).
MAX_HOURS_PER_DAY = Decimal(12)


def quota(term: str, category: str) -> Decimal:
    return Decimal(QUOTAS[term][category])


def total(term: str) -> Decimal:
    return Decimal(TOTALS[term])
