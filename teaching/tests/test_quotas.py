from apprenticeships.models import Term
from teaching import quotas
from teaching.quotas import Category


def test_each_terms_categories_add_up_to_the_tables_total():
    for term in Term:
        assert sum(quotas.QUOTAS[term].values()) == quotas.TOTALS[term], term


def test_the_table_is_the_programmes_table_of_000_section_3_5():
    assert quotas.CLAUSE == "000 §三(五)"
    assert [quotas.QUOTAS[t][Category.THEORY] for t in Term] == [32, 48, 96]
    assert [quotas.QUOTAS[t][Category.CASE_ANALYSIS] for t in Term] == [16, 24, 48]
    assert [quotas.QUOTAS[t][Category.SELF_STUDY] for t in Term] == [48, 72, 144]
    assert [quotas.QUOTAS[t][Category.REFLECTION] for t in Term] == [24, 36, 72]
    assert [quotas.TOTALS[t] for t in Term] == [120, 180, 360]
    assert quotas.FACE_TO_FACE == {Category.THEORY, Category.CASE_ANALYSIS}
