"""Who may apply as a master (MST-2), as data with the programme clause beside each rule.

000 §五(一)2: 国医大师、院士和突出贡献专家、名老中医、资深专家 apply voluntarily; 知名专家 must meet
the conditions below. A policy change is a change to RULES; a decision names the rule that made it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from masters.models import Master, Tier, Title

ZHIMING = frozenset({Tier.ZHIMING_TRADITIONAL, Tier.ZHIMING_MODERN})

# Higher is more senior. 无职称 ranks below every title.
TITLE_RANK = {
    Title.CHIEF: 4,
    Title.ASSOCIATE_CHIEF: 3,
    Title.ATTENDING: 2,
    Title.RESIDENT: 1,
    Title.ASSISTANT: 0,
    Title.NONE: -1,
}


@dataclass(frozen=True)
class Rule:
    id: str
    tiers: frozenset[str]
    # "clinical_years", "title", "age"; None: not checkable by the system, judged by reviewers.
    check: str | None
    minimum: object
    clause: str
    # 在行业中有特殊专长或贡献者，可不受年龄、职称限制。
    exemptible: bool = False


EXEMPTION_CLAUSE = "在行业中有特殊专长或贡献者，可不受年龄、职称限制。"

RULES: tuple[Rule, ...] = (
    Rule("MST-2.1", ZHIMING, "clinical_years", 10, "具有十年以上的临床经验"),
    Rule("MST-2.2", ZHIMING, "title", Title.ATTENDING, "具有主治医师以上职称", exemptible=True),
    Rule("MST-2.3", ZHIMING, "age", 40, "年龄在 40 岁以上", exemptible=True),
    Rule("MST-2.4", ZHIMING, None, None, "在特定领域内被公认为是学科带头人或知名专家"),
    Rule("MST-2.5", ZHIMING, None, None, "患者认可度和满意率较高，具有良好声誉"),
    Rule("MST-2.6", ZHIMING, None, None, "身体健康，能够完成传承任务"),
)


@dataclass(frozen=True)
class RuleResult:
    rule_id: str
    clause_text: str
    # True passed, False failed; None: not checkable, for the reviewers to judge.
    passed: bool | None
    detail: str


def _age(birth_date: datetime.date, today: datetime.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _measure(rule: Rule, master: Master, today: datetime.date) -> tuple[bool, str]:
    if rule.check == "clinical_years":
        years = today.year - master.clinical_since
        return years >= rule.minimum, f"临床经验 {years} 年（自 {master.clinical_since} 年起）"
    if rule.check == "title":
        passed = TITLE_RANK[Title(master.title)] >= TITLE_RANK[rule.minimum]
        return passed, f"现职称：{Title(master.title).label}"
    if rule.check == "age":
        age = _age(master.birth_date, today)
        return age >= rule.minimum, f"年龄 {age} 岁"
    raise ValueError(rule.check)


def current_exemption(master: Master):
    """The latest exemption decision, if any (None when nobody has decided)."""
    if master.pk is None:
        return None
    return master.exemptions.select_related("decided_by").first()


def check_master_eligibility(master: Master, today: datetime.date) -> list[RuleResult]:
    """Each rule that applies to the master's tier, and whether it is met. A granted
    special-expertise exemption turns a failed age or title rule into a pass that names it."""
    rules = [r for r in RULES if master.tier in r.tiers]
    if not rules:
        return [
            RuleResult(
                "MST-2.0",
                "国医大师、院士和突出贡献专家、名老中医、资深专家可自愿提出申请",
                True,
                "自愿申请，无附加条件",
            )
        ]
    exemption = current_exemption(master) if any(r.exemptible for r in rules) else None
    results = []
    for rule in rules:
        if rule.check is None:
            results.append(RuleResult(rule.id, rule.clause, None, "系统无法核验，由审核人员评定"))
            continue
        passed, detail = _measure(rule, master, today)
        if not passed and rule.exemptible and exemption is not None and exemption.granted:
            passed = True
            detail += (
                f"；已按特殊专长豁免（{EXEMPTION_CLAUSE}）："
                f"{exemption.decided_by.display_name} 于 {exemption.decided_at:%Y-%m-%d} 决定，理由：{exemption.reason}"
            )
        results.append(RuleResult(rule.id, rule.clause, passed, detail))
    return results


def failing(results: list[RuleResult]) -> list[RuleResult]:
    return [r for r in results if r.passed is False]
