"""Eligibility by the master's tier (APP-2), each decision naming its clause."""

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.models import Credential, IssuerLevel
from apprenticeships.rules import RULES, Facts, decide
from masters.models import TIER_TRACK, Tier, Title, Track
from masters.rules import TITLE_RANK

titles = st.sampled_from(list(Title))
tiers = st.sampled_from(list(Tier))


def test_it_rejects_an_attending_physician_for_a_guoyi_dashi():
    decision = decide(Facts(title=Title.ATTENDING), Tier.GUOYI_DASHI)
    assert not decision.passed
    assert decision.rule_id == "APP-2.1" and "副主任医师" in decision.clause_text and "主治医师" in decision.detail


def test_an_assistant_physician_may_learn_from_a_traditional_zhiming_but_not_a_modern_one():
    assert decide(Facts(title=Title.ASSISTANT), Tier.ZHIMING_TRADITIONAL).passed
    modern = decide(Facts(title=Title.ASSISTANT), Tier.ZHIMING_MODERN)
    assert not modern.passed and modern.rule_id == "APP-2.7"


def test_a_folk_practitioner_qualifies_by_a_units_recommendation():
    decision = decide(Facts(title=Title.NONE, is_folk_practitioner=True, recommended=True), Tier.MINGLAO_ZHONGYI)
    assert decision.passed and decision.rule_id == "APP-2.4a"


def test_a_folk_practitioner_qualifies_by_a_county_certificate_but_not_a_township_one():
    facts = dict(title=Title.NONE, is_folk_practitioner=True, credential=Credential.EXPERTISE, credential_uploaded=True)
    county = decide(Facts(**facts, credential_issuer_level=IssuerLevel.COUNTY), Tier.GUOYI_DASHI)
    assert county.passed and county.rule_id == "APP-2.4b" and "医术确有专长证书" in county.detail
    township = decide(Facts(**facts, credential_issuer_level=IssuerLevel.TOWNSHIP), Tier.GUOYI_DASHI)
    assert not township.passed and "县级及以上" in township.detail


def test_the_folk_routes_do_not_apply_to_modern_medicine_masters():
    decision = decide(Facts(title=Title.NONE, is_folk_practitioner=True, recommended=True), Tier.ACADEMICIAN)
    assert not decision.passed and "仅适用于传统医学" in decision.detail


def test_a_granted_exemption_lifts_the_title_limit_and_says_so():
    facts = Facts(title=Title.RESIDENT, exemption_granted=True, exemption_note="王审核 决定，理由：专著三部")
    decision = decide(facts, Tier.GUOYI_DASHI)
    assert decision.passed and "特殊专长豁免" in decision.detail and "专著三部" in decision.detail


def test_the_zhiming_clauses_carry_no_exemption():
    assert not decide(Facts(title=Title.NONE, exemption_granted=True), Tier.ZHIMING_MODERN).passed


def test_every_tier_has_exactly_one_rule_with_its_clause():
    assert sorted(r.tier for r in RULES) == sorted(Tier.values)
    assert all(r.clause.startswith("000 §五(二)") for r in RULES)


@given(title=titles, tier=tiers)
def test_without_exemption_a_title_passes_exactly_when_it_reaches_the_tiers_minimum(title, tier):
    rule = next(r for r in RULES if r.tier == tier)
    decision = decide(Facts(title=title), tier)
    assert decision.passed == (TITLE_RANK[title] >= TITLE_RANK[Title(rule.minimum_title)])
    assert decision.rule_id == rule.id and decision.clause_text == rule.clause


@given(title=titles, tier=tiers, granted=st.booleans())
def test_an_exemption_never_makes_things_worse_and_only_helps_where_the_clause_allows(title, tier, granted):
    without = decide(Facts(title=title), tier)
    with_decision = decide(Facts(title=title, exemption_granted=granted), tier)
    assert with_decision.passed >= without.passed
    rule = next(r for r in RULES if r.tier == tier)
    if with_decision.passed and not without.passed:
        assert granted and rule.exemptible


@given(tier=tiers, recommended=st.booleans(), level=st.sampled_from(list(IssuerLevel) + [""]), uploaded=st.booleans())
def test_a_folk_practitioner_passes_a_traditional_tier_only_by_a_route(tier, recommended, level, uploaded):
    facts = Facts(
        title=Title.NONE,
        is_folk_practitioner=True,
        recommended=recommended,
        credential=Credential.MENTORSHIP,
        credential_issuer_level=level,
        credential_uploaded=uploaded,
    )
    decision = decide(facts, tier)
    if TIER_TRACK[tier] == Track.TRADITIONAL:
        by_certificate = uploaded and level in ("national", "provincial", "city", "county")
        assert decision.passed == (recommended or by_certificate)
        assert decision.rule_id.startswith("APP-2.4")
    else:
        assert not decision.passed
