"""Acts of the lineage app (issue 15), registered into the one table that `can()` / `authorize()` /
`scope()` read."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, Act, Level, Role, authorize

# Office staff enter people, sources and links; county and city staff verify them (issue 15 §3:
# "verified by city or county staff"), as they verify and accept technique declarations.
ENTERING = frozenset({Role.OFFICE_STAFF})
ACTS.update(
    {
        "lineage.view": Act(gettext_lazy("查看传承脉络草稿"), roles=ENTERING, owner=True),
        "lineage.edit": Act(gettext_lazy("录入传承脉络"), roles=ENTERING, owner=True),
        "lineage.submit": Act(gettext_lazy("提交师承关系"), roles=ENTERING, owner=True),
        "lineage.verify": Act(
            gettext_lazy("核实师承关系"),
            roles=ENTERING,
            region_levels=frozenset({Level.COUNTY, Level.CITY}),
        ),
    }
)


def check_view(user, obj) -> None:
    """The unpublished record exists only for those whose scope reaches it: 404 to the signed-out
    visitor as to staff elsewhere, 403 within reach but without the act."""
    if not user.is_authenticated:
        raise Http404
    authorize(user, "lineage.view", obj)
