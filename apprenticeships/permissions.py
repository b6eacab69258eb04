"""Acts of the apprenticeship programme, registered into accounts.permissions.ACTS.

Each app that adds a workflow keeps its acts beside its models; `can()` / `authorize()` /
`scope()` read them from the one table whatever app they came from.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role

REVIEWERS = frozenset({Role.UNIT_ADMIN, Role.REVIEWER})

ACTS.update(
    {
        "apprenticeship.view": Act(gettext_lazy("查看师承关系"), roles=STAFF_ROLES, owner=True),
        # 000 §六: the host unit ends an apprenticeship — by graduation (certificate issued) or early.
        "apprenticeship.graduate": Act(
            gettext_lazy("师承结业"),
            roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
            org_kinds=frozenset({Kind.HOST}),
        ),
        "apprenticeship.terminate": Act(
            gettext_lazy("终止师承关系"),
            roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
            org_kinds=frozenset({Kind.HOST}),
        ),
        # Applications (APP-1..3). The applicant drafts, edits, submits and withdraws their own
        # (services also check that the actor is the applicant: a master who was proposed the
        # application "owns" it for reading only).
        "apprentice_application.view": Act(gettext_lazy("查看师承申请"), roles=STAFF_ROLES, owner=True),
        "apprentice_application.submit": Act(gettext_lazy("提交师承申请"), owner=True),
        # 000 §四(一): 师承申请也可由承办单位统一组织办理 — the batch channel.
        "apprentice_application.import": Act(
            gettext_lazy("批量办理师承申请"), roles=STAFF_ROLES, org_kinds=frozenset({Kind.ORGANIZING})
        ),
        # 000 §四(二): the organizing unit checks authenticity and validity; the host unit approves.
        "apprentice_application.vet": Act(
            gettext_lazy("初审师承申请"), roles=frozenset({Role.REVIEWER}), org_kinds=frozenset({Kind.ORGANIZING})
        ),
        "apprentice_application.exempt": Act(
            gettext_lazy("决定师承人特殊专长豁免"),
            roles=frozenset({Role.REVIEWER}),
            org_kinds=frozenset({Kind.ORGANIZING}),
        ),
        "apprentice_application.approve": Act(
            gettext_lazy("审核确定师承人"), roles=REVIEWERS, org_kinds=frozenset({Kind.HOST})
        ),
        # Matching (APP-4): the programme proposes, the master decides, both parties sign.
        "apprentice_match.view": Act(gettext_lazy("查看师徒匹配"), roles=STAFF_ROLES, owner=True),
        "apprentice_match.propose": Act(
            gettext_lazy("向传承人推荐师承人"),
            roles=REVIEWERS,
            org_kinds=frozenset({Kind.ORGANIZING, Kind.HOST}),
        ),
        "apprentice_match.decide": Act(gettext_lazy("接受或谢绝师承人"), owner=True),
        "apprentice_contract.sign": Act(gettext_lazy("签署师承关系合同书"), owner=True),
    }
)
