"""Acts of the apprenticeship programme, registered into accounts.permissions.ACTS.

Each app that adds a workflow keeps its acts beside its models; `can()` / `authorize()` /
`scope()` read them from the one table whatever app they came from.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role

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
    }
)
