"""Acts of the techniques app beyond those of the foundation (accounts/permissions.py), registered
into the one table that `can()` / `authorize()` / `scope()` read."""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Role

ACTS.update(
    {
        # PRO-5: research projects linked to techniques. Office staff record them for their unit
        # and reach those of the units in their region; staff and experts may read them.
        "research.view": Act(gettext_lazy("查看科研项目"), roles=STAFF_ROLES | {Role.EXPERT}, owner=True),
        "research.manage": Act(gettext_lazy("登记和关联科研项目"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
    }
)
