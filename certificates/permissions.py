"""Acts on certificates, registered into accounts.permissions.ACTS.

Holders and their masters open their own certificates; staff of the issuing unit, of the master's
or holder's unit and office staff of the region open those in their scope. Only the kinds of unit
that issue certificates revoke them: the guiding unit (master certificates, 000 §五(一)3) and the
host unit (apprentice certificates, 000 §六); their scope is the certificates they issued.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role

ACTS.update(
    {
        "certificate.view": Act(gettext_lazy("查看和下载证书"), roles=STAFF_ROLES, owner=True),
        "certificate.revoke": Act(
            gettext_lazy("撤销证书"),
            roles=frozenset({Role.UNIT_ADMIN, Role.REVIEWER}),
            org_kinds=frozenset({Kind.GUIDING, Kind.HOST}),
        ),
    }
)
