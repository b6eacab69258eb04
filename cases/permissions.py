"""Acts of the cases app beyond those in accounts.permissions (case.view, case.import,
case.analyze), registered into accounts.permissions.ACTS, and the rules of its pages that are not
moves of a workflow."""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Role, can

ACTS.update(
    {
        # CAS-1: a master or apprentice writes their own cases; follow-up visits by the owner.
        "case.create": Act(gettext_lazy("录入病案"), roles=frozenset({Role.MASTER, Role.APPRENTICE})),
        "case.edit": Act(gettext_lazy("添加复诊记录"), owner=True),
        # CAS-2: office staff or a master settle spellings the herb tables do not know.
        "herb.curate": Act(gettext_lazy("审定药名"), roles=frozenset({Role.OFFICE_STAFF, Role.MASTER})),
        # MST-4: the master drafts, edits and publishes; staff of the unit and region read drafts.
        "protocol.view": Act(gettext_lazy("查看诊疗方案"), roles=STAFF_ROLES, owner=True),
        "protocol.create": Act(gettext_lazy("起草诊疗方案"), roles=frozenset({Role.MASTER})),
        "protocol.edit": Act(gettext_lazy("修订诊疗方案"), owner=True),
        "protocol.publish": Act(gettext_lazy("发布诊疗方案"), owner=True),
    }
)


def protocol_text_editable(protocol) -> bool:
    """Whether a protocol's text may be changed at all: only as a draft. A published version is
    frozen; the master revises it (a move back to draft) and edits the new draft."""
    from cases.models import Protocol

    return protocol.status == Protocol.Status.DRAFT


def may_edit_protocol(user, protocol) -> bool:
    """The one rule behind the protocol page's 「修改」 link and the edit service: a draft, edited by
    whoever may edit it (its master)."""
    return protocol_text_editable(protocol) and can(user, "protocol.edit", protocol)
