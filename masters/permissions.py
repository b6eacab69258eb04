"""Acts on a master's materials (MST-4), registered into accounts.permissions.ACTS, and the rules of
the masters' pages that are not moves of a transition table: one predicate each, asked by the
service that enforces the rule, the view and the template alike."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, authorize, can
from lib.errors import ApplicationError
from masters.models import Master

ACTS.update(
    {
        # The master manages their own materials; staff in scope may open unpublished ones.
        "master.material_manage": Act(gettext_lazy("管理传承人资料"), owner=True),
        "master.material_view": Act(gettext_lazy("查看传承人资料"), roles=STAFF_ROLES, owner=True),
    }
)

Status = Master.Status
# The applicant edits the application until it is submitted, and again once it is returned.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
# A special-expertise exemption (000 §五(一)2) is decided before the review has decided the application.
EXEMPTION_OPEN = frozenset({Status.DRAFT, Status.RETURNED, Status.SUBMITTED})


def may_edit(user, master: Master) -> bool:
    """The edit link on the application's page, and master_application_update."""
    return master.status in EDITABLE and can(user, "master.edit", master)


def check_edit(user, master: Master) -> None:
    """may_edit, or why not: 404 outside scope, 403 without the act, else the state."""
    authorize(user, "master.edit", master)
    if not may_edit(user, master):
        raise ApplicationError(_("申请处于「%(state)s」状态，不能修改") % {"state": master.get_status_display()})


def may_decide_exemption(user, master: Master) -> bool:
    """The exemption form on the application's page, and master_exemption_decide."""
    return master.status in EXEMPTION_OPEN and can(user, "master.exempt", master)


def check_decide_exemption(user, master: Master) -> None:
    """may_decide_exemption, or why not: 404 outside scope, 403 without the act, else the state."""
    authorize(user, "master.exempt", master)
    if not may_decide_exemption(user, master):
        raise ApplicationError(_("申请处于「%(state)s」状态，不能再决定豁免") % {"state": master.get_status_display()})
