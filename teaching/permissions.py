"""Acts of teaching and graduation, registered into accounts.permissions.ACTS.

The parties' own acts are `owner` acts: the act lets both parties of the apprenticeship through,
and the service then asks which party (teaching.services.require_party) — the apprentice logs
hours and submits materials, the master confirms and assesses. A colleague of the master's with
the master role reaches the record through the hospital but is neither party.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role

HOST_STAFF = frozenset({Role.UNIT_ADMIN, Role.REVIEWER})

ACTS.update(
    {
        "teaching.view": Act(gettext_lazy("查看带教与结业记录"), roles=STAFF_ROLES, owner=True),
        "teaching.plan_edit": Act(gettext_lazy("编写传承计划"), owner=True),
        "teaching.plan_submit": Act(gettext_lazy("提交传承计划"), owner=True),
        # 000 §四(四): the plan is made by the master together with the host unit.
        "teaching.plan_agree": Act(gettext_lazy("确认传承计划"), roles=HOST_STAFF, org_kinds=frozenset({Kind.HOST})),
        "teaching.activity_log": Act(gettext_lazy("登记带教活动"), owner=True),
        "teaching.activity_decide": Act(gettext_lazy("确认带教课时"), owner=True),
        "teaching.graduation_edit": Act(gettext_lazy("提交结业材料"), owner=True),
        "teaching.graduation_submit": Act(gettext_lazy("提交出师考核"), owner=True),
        # 000 §四(五): 经传承人考核.
        "teaching.graduation_assess": Act(gettext_lazy("出师考核"), owner=True),
    }
)
