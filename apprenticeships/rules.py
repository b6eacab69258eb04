"""Who may become a master's apprentice (APP-2), as data with the programme clause beside each rule.

000 §五(二)2 (traditional medicine) and §五(二)3 (modern medicine): the title an apprentice needs
depends on the tier of the master chosen; folk practitioners 民间中医 qualify by a unit's
recommendation or a county-or-higher certificate; "在行业中有特殊专长或贡献者，可不受年龄、职称限制"
is a reviewer's recorded decision (ApplicationExemption). A policy change is a change to RULES; a
decision names the rule that made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apprenticeships.models import Credential, Document, IssuerLevel
from masters.models import TIER_TRACK, Tier, Title, Track
from masters.rules import EXEMPTION_CLAUSE, TITLE_RANK


@dataclass(frozen=True)
class Rule:
    id: str
    tier: str
    # The lowest title that qualifies.
    minimum_title: str
    clause: str
    # Whether the clause carries 在行业中有特殊专长或贡献者，可不受年龄、职称限制.
    exemptible: bool


RULES: tuple[Rule, ...] = (
    Rule(
        "APP-2.1",
        Tier.GUOYI_DASHI,
        Title.ASSOCIATE_CHIEF,
        gettext_lazy("000 §五(二)2(1) 申报国医大师师承人，须具有副主任医师及以上医药专业高级职称的卫生健康工作者"),
        exemptible=True,
    ),
    Rule(
        "APP-2.2",
        Tier.MINGLAO_ZHONGYI,
        Title.ATTENDING,
        gettext_lazy("000 §五(二)2(2) 申报名老中医师承人，须具有主治医师等医药专业中级职称的卫生健康工作者"),
        exemptible=True,
    ),
    Rule(
        "APP-2.3",
        Tier.ZHIMING_TRADITIONAL,
        Title.ASSISTANT,
        gettext_lazy("000 §五(二)2(3) 申报知名专家师承人，须具有住院医师或助理医师等医药专业初级职称的卫生健康工作者"),
        exemptible=False,
    ),
    Rule(
        "APP-2.5",
        Tier.ACADEMICIAN,
        Title.ASSOCIATE_CHIEF,
        gettext_lazy(
            "000 §五(二)3(1) 申报院士和突出贡献专家师承人，须具有副主任医师及以上医药专业高级职称的医疗卫生工作者"
        ),
        exemptible=True,
    ),
    Rule(
        "APP-2.6",
        Tier.SENIOR_EXPERT,
        Title.ATTENDING,
        gettext_lazy("000 §五(二)3(2) 申报资深专家师承人，须具有主治医师等医药专业中级职称的医疗卫生工作者"),
        exemptible=True,
    ),
    Rule(
        "APP-2.7",
        Tier.ZHIMING_MODERN,
        Title.RESIDENT,
        gettext_lazy("000 §五(二)3(3) 申报知名专家师承人，须具有住院医师等医药专业初级职称的医疗卫生工作者"),
        exemptible=False,
    ),
)
RULE_BY_TIER = {rule.tier: rule for rule in RULES}

# 000 §五(二)2(4): the folk-practitioner routes, for traditional-medicine masters only.
FOLK_RECOMMENDATION = (
    "APP-2.4a",
    gettext_lazy(
        "000 §五(二)2(4) 民间中医申请成为师承人的，经相关单位推荐，经承办单位初审、主办单位审核后，可申请成为师承人"
    ),
)
FOLK_CREDENTIAL = (
    "APP-2.4b",
    gettext_lazy(
        "000 §五(二)2(4) 取得县级及以上卫生健康行政主管部门认可证书（如：医术确有专长证书、师承证书、"
        "中医药适宜技术培训证书等）的，可申请成为师承人"
    ),
)
FOLK_NOT_FOR_MODERN = (
    "APP-2.4",
    gettext_lazy("000 §五(二)2(4) 民间中医的推荐与认可证书途径属于传统医学技术师承人申报条件，不适用于现代医学传承人"),
)
COUNTY_OR_HIGHER = frozenset({IssuerLevel.NATIONAL, IssuerLevel.PROVINCIAL, IssuerLevel.CITY, IssuerLevel.COUNTY})
CREDENTIALS = frozenset(Credential.values)


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about an applicant, independent of the database."""

    title: str
    is_folk_practitioner: bool = False
    recommended: bool = False  # a recommending unit is named and its letter uploaded
    credential: str = ""
    credential_issuer_level: str = ""
    credential_uploaded: bool = False
    # The latest exemption decision: None when nobody has decided.
    exemption_granted: bool | None = None
    exemption_note: str = ""


@dataclass(frozen=True)
class Decision:
    rule_id: str
    clause_text: str
    passed: bool
    detail: str

    def __post_init__(self):
        # The clauses are lazy translations: a decision reads in the language it was made in.
        object.__setattr__(self, "clause_text", str(self.clause_text))


def decide(facts: Facts, tier: str) -> Decision:
    """Whether an applicant with `facts` may apply to a master of `tier`, and the rule that says so."""
    tier = Tier(tier)
    if facts.is_folk_practitioner:
        if TIER_TRACK[tier] != Track.TRADITIONAL:
            rule = RULE_BY_TIER[tier]
            passed, detail = _title(facts, rule)
            note = _("民间中医途径仅适用于传统医学传承人；按职称条件核验：") + detail
            return _maybe_exempt(Decision(rule.id, rule.clause, passed, note), facts, rule.exemptible)
        if facts.recommended:
            return Decision(*FOLK_RECOMMENDATION, True, _("已由相关单位推荐并上传推荐函"))
        if (
            facts.credential in CREDENTIALS
            and facts.credential_issuer_level in COUNTY_OR_HIGHER
            and facts.credential_uploaded
        ):
            return Decision(
                *FOLK_CREDENTIAL,
                True,
                _("持有%(level)s卫生健康行政主管部门认可的%(credential)s")
                % {
                    "level": IssuerLevel(facts.credential_issuer_level).label,
                    "credential": Credential(facts.credential).label,
                },
            )
        detail = _folk_shortfall(facts)
        # 民间中医 also carry the exemption clause of 000 §五(二)2(4).
        return _maybe_exempt(Decision(*FOLK_CREDENTIAL, False, detail), facts, exemptible=True)
    rule = RULE_BY_TIER[tier]
    passed, detail = _title(facts, rule)
    return _maybe_exempt(Decision(rule.id, rule.clause, passed, detail), facts, rule.exemptible)


def _title(facts: Facts, rule: Rule) -> tuple[bool, str]:
    passed = TITLE_RANK[Title(facts.title)] >= TITLE_RANK[Title(rule.minimum_title)]
    return passed, _("现职称：%(title)s；要求不低于%(minimum)s") % {
        "title": Title(facts.title).label,
        "minimum": Title(rule.minimum_title).label,
    }


def _folk_shortfall(facts: Facts) -> str:
    if facts.credential and facts.credential_issuer_level and facts.credential_issuer_level not in COUNTY_OR_HIGHER:
        return _("认可证书由%(level)s机关颁发，须为县级及以上") % {
            "level": IssuerLevel(facts.credential_issuer_level).label
        }
    if facts.credential and not facts.credential_uploaded:
        return _("已填写认可证书，但未上传证书扫描件")
    if facts.credential and not facts.credential_issuer_level:
        return _("未填写认可证书的发证机关级别")
    return _("民间中医须有相关单位推荐（填写推荐单位并上传推荐函），或持有县级及以上认可证书")


def _maybe_exempt(decision: Decision, facts: Facts, exemptible: bool) -> Decision:
    if decision.passed or not exemptible or facts.exemption_granted is not True:
        return decision
    return Decision(
        decision.rule_id,
        decision.clause_text,
        True,
        _("%(detail)s；已按特殊专长豁免（%(clause)s）：%(note)s")
        % {"detail": decision.detail, "clause": EXEMPTION_CLAUSE, "note": facts.exemption_note},
    )


# --- documents (000 §四(一)) -----------------------------------------------------------------------


def required_documents(facts: Facts) -> list[str]:
    """The documents an application must carry before it can be submitted."""
    kinds = [Document.RESUME]
    if not facts.is_folk_practitioner:
        kinds += [Document.DEGREE, Document.QUALIFICATION]
        if facts.title != Title.NONE:
            kinds.append(Document.TITLE)
    else:
        # The route the applicant chose: a certificate when one is named, otherwise a recommendation.
        kinds.append(Document.CREDENTIAL if facts.credential else Document.RECOMMENDATION)
    return kinds


# --- reading the facts of a stored application --------------------------------------------------


def facts_for(application) -> Facts:
    kinds = {d.kind for d in application.documents.all() if not d.superseded}
    exemption = application.exemptions.select_related("decided_by").first() if application.pk else None
    note = ""
    if exemption is not None:
        note = _("%(person)s 于 %(date)s 决定，理由：%(reason)s") % {
            "person": exemption.decided_by.display_name,
            "date": f"{exemption.decided_at:%Y-%m-%d}",
            "reason": exemption.reason,
        }
    return Facts(
        title=application.title,
        is_folk_practitioner=application.is_folk_practitioner,
        recommended=application.recommending_organization_id is not None and Document.RECOMMENDATION in kinds,
        credential=application.credential,
        credential_issuer_level=application.credential_issuer_level,
        credential_uploaded=Document.CREDENTIAL in kinds,
        exemption_granted=None if exemption is None else exemption.granted,
        exemption_note=note,
    )


def check_application(application, masters) -> list[tuple[object, Decision]]:
    """One decision per intended master."""
    facts = facts_for(application)
    return [(master, decide(facts, master.tier)) for master in masters]
