"""Acts of the value evaluation (EVA-1..4, PRO-2), registered into accounts.permissions.ACTS.

The city office runs evaluations (003 §三(三).13: the city organizes the evaluation of the
techniques it accepted); county staff follow their county's evaluations; experts act on their
own invitations and see the evaluations they sit on.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, Act, Level, Role

CITY_OFFICE = dict(roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.CITY}))

ACTS.update(
    {
        "expert.view": Act(gettext_lazy("查看评估专家"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
        "expert.manage": Act(gettext_lazy("管理专家库"), **CITY_OFFICE),
        # A declared relationship comes from the expert or is recorded by the office.
        "expert.declare": Act(gettext_lazy("申报利益关系"), **CITY_OFFICE, owner=True),
        "evaluation.view": Act(gettext_lazy("查看价值评估"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
        "evaluation.open": Act(gettext_lazy("发起价值评估"), **CITY_OFFICE),
        "evaluation.manage": Act(gettext_lazy("组织价值评估"), **CITY_OFFICE),
        "evaluation.finalize": Act(gettext_lazy("价值评估终审"), **CITY_OFFICE),
        # Evidence is gathered by the office and by the experts of the panel.
        "evaluation.evidence": Act(gettext_lazy("记录评估证据"), **CITY_OFFICE, owner=True),
        "assignment.respond": Act(gettext_lazy("答复评估邀请"), owner=True),
        "assignment.score": Act(gettext_lazy("提交专家评分"), owner=True),
        "promotion.manage": Act(gettext_lazy("维护推广名录"), **CITY_OFFICE),
        "pricing.manage": Act(gettext_lazy("提出价格与医保建议"), **CITY_OFFICE),
    }
)
