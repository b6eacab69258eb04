"""Acts on a master's materials (MST-4), registered into accounts.permissions.ACTS."""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act

ACTS.update(
    {
        # The master manages their own materials; staff in scope may open unpublished ones.
        "master.material_manage": Act(gettext_lazy("管理传承人资料"), owner=True),
        "master.material_view": Act(gettext_lazy("查看传承人资料"), roles=STAFF_ROLES, owner=True),
    }
)
