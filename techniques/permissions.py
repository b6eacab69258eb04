"""Acts of the techniques app beyond those of the foundation (accounts/permissions.py), registered
into the one table that `can()` / `authorize()` / `scope()` read; and the rules of a declaration
that are not moves of its workflow, each one predicate that service, view and template share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Role, authorize, can
from techniques.models import Technique

ACTS.update(
    {
        # PRO-5: research projects linked to techniques. Office staff record them for their unit
        # and reach those of the units in their region; staff and experts may read them.
        "research.view": Act(gettext_lazy("查看科研项目"), roles=STAFF_ROLES | {Role.EXPERT}, owner=True),
        "research.manage": Act(gettext_lazy("登记和关联科研项目"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
    }
)

# The states in which a declaration is with its declarant, who may still change it.
WITH_DECLARANT = frozenset({Technique.Status.DRAFT, Technique.Status.RETURNED})
# The states of a technique in the database, which the city grades and classifies (TEC-2).
IN_DATABASE = frozenset({Technique.Status.ACCEPTED, Technique.Status.PUBLISHED})
# Protection records, consent and procedures are kept by the declarant while the declaration is
# theirs, and by the county or city staff who verify and accept it.
CURATING_ACTS = ("technique.edit", "technique.verify", "technique.accept")


def is_editable(technique: Technique) -> bool:
    return technique.status in WITH_DECLARANT


def may_edit(user, technique: Technique) -> bool:
    return is_editable(technique) and can(user, "technique.edit", technique)


def is_classifiable(technique: Technique) -> bool:
    return technique.status in IN_DATABASE


def may_classify(user, technique: Technique) -> bool:
    return is_classifiable(technique) and can(user, "technique.accept", technique)


def may_curate(user, technique: Technique) -> bool:
    return any(can(user, act, technique) for act in CURATING_ACTS)


def check_curate(user, technique: Technique) -> None:
    """may_curate, or why not: outside the person's scope the technique does not exist (404);
    within it, without a curating act, 403."""
    authorize(user, "technique.view", technique)
    if not may_curate(user, technique):
        raise PermissionDenied(_("没有权限：%(act)s") % {"act": ACTS["technique.verify"].label})


# Deciding whether two declarations are one technique (not a duplicate, or merge) is for the staff
# who handle declarations, not their declarants (issue 12 §10).
DUPLICATE_ACTS = ("technique.receive", "technique.verify", "technique.accept")


def may_decide_duplicates(user, technique: Technique) -> bool:
    return any(can(user, act, technique) for act in DUPLICATE_ACTS)


def check_decide_duplicates(user, technique: Technique) -> None:
    """may_decide_duplicates, or why not: outside the person's scope 404, within it 403."""
    authorize(user, "technique.view", technique)
    if not may_decide_duplicates(user, technique):
        raise PermissionDenied(_("没有权限：判断重复申报"))
