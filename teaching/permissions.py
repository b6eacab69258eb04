"""Acts of teaching and graduation, registered into accounts.permissions.ACTS, and the rules of
the teaching pages that are not moves.

The parties' own acts are `owner` acts, and each is one party's (PARTY_ACTS): the apprentice logs
hours and submits materials, the master drafts the plan, confirms hours and assesses. On a
teaching record the model's owner_q lets through only the party whose act moves it from its
present state (teaching.models), so the buttons, the workbench and transition() agree. A colleague
of the master's with the master role reaches the record through the hospital but is neither party.

What comes before a record exists or is not a move — drafting the plan, logging an activity,
adding materials, the link to the hours queue — is one rule each below, asked by the service (which
raises the refusal), the view and the template (which ask `may_…`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role, can
from lib.errors import ConflictError

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
        # The menu's way to the hours queue: every master (the queue itself lists only the hours of
        # the master's own apprentices, teaching.selectors.hours_waiting).
        "teaching.hours_queue": Act(gettext_lazy("打开学时确认"), roles=frozenset({Role.MASTER})),
        "teaching.graduation_edit": Act(gettext_lazy("提交结业材料"), owner=True),
        "teaching.graduation_submit": Act(gettext_lazy("提交出师考核"), owner=True),
        # 000 §四(五): 经传承人考核.
        "teaching.graduation_assess": Act(gettext_lazy("出师考核"), owner=True),
        # 000 §四(四): the host unit, which made the plan with the master, lets the materials in
        # before the term's end (teaching.quotas.EARLY_CLAUSE).
        "teaching.graduation_early": Act(
            gettext_lazy("批准提前提交结业材料"), roles=HOST_STAFF, org_kinds=frozenset({Kind.HOST})
        ),
    }
)

MASTER, APPRENTICE = "master", "apprentice"
PARTY_LABELS = {MASTER: gettext_lazy("带教传承人"), APPRENTICE: gettext_lazy("师承人本人")}
# The field of a teaching record that names each party (through its apprenticeship).
PARTY_FIELDS = {APPRENTICE: "apprenticeship__apprentice_id", MASTER: "apprenticeship__master__user_id"}
# Which party does each owner act.
PARTY_ACTS = {
    "teaching.plan_edit": MASTER,
    "teaching.plan_submit": MASTER,
    "teaching.activity_log": APPRENTICE,
    "teaching.activity_decide": MASTER,
    "teaching.graduation_edit": APPRENTICE,
    "teaching.graduation_submit": APPRENTICE,
    "teaching.graduation_assess": MASTER,
}


def party_of(user, apprenticeship) -> str | None:
    if not user.is_authenticated:
        return None
    if apprenticeship.apprentice_id == user.pk:
        return APPRENTICE
    if apprenticeship.master.user_id == user.pk:
        return MASTER
    return None


def is_party(user, apprenticeship, party: str) -> bool:
    return user.is_authenticated and (user.is_superuser or party_of(user, apprenticeship) == party)


def refuse(refusal: Exception | None) -> None:
    """For services: raise what a rule below refuses, if anything."""
    if refusal is not None:
        raise refusal


def _party_refusal(user, apprenticeship, act: str) -> PermissionDenied | None:
    party = PARTY_ACTS[act]
    if is_party(user, apprenticeship, party):
        return None
    return PermissionDenied(_("只有%(party)s可以办理此事项") % {"party": PARTY_LABELS[party]})


def check_party(user, apprenticeship, act: str) -> None:
    """The gate of a page or endpoint that does a party's own act (PARTY_ACTS), before its input is
    read: anyone but that party is refused (403). Scope (teaching.view) is checked first by the
    caller; the act itself, with the record's state, by the service."""
    refuse(_party_refusal(user, apprenticeship, act))


def check_teaches(user) -> None:
    """Hours are confirmed by the master of an active apprenticeship: the gate of the batch form,
    whose activities are named by its input (each one's move is then checked by transition())."""
    from apprenticeships.models import Apprenticeship

    if (
        user.is_superuser
        or Apprenticeship.objects.filter(master__user=user, status=Apprenticeship.Status.ACTIVE).exists()
    ):
        return
    raise PermissionDenied(_("只有%(party)s可以办理此事项") % {"party": PARTY_LABELS[MASTER]})


def active_refusal(apprenticeship) -> ConflictError | None:
    """Teaching happens while the apprenticeship is active: nothing is logged, decided or
    submitted once it has ended (graduated or terminated)."""
    if apprenticeship.is_active:
        return None
    return ConflictError(_("师承关系%(status)s，不能再办理带教事项") % {"status": apprenticeship.get_status_display()})


def plan_edit_refusal(user, apprenticeship, plan) -> Exception | None:
    """The master drafts and revises the plan while the apprenticeship is active and the plan is
    a draft (or not yet written)."""
    refusal = _party_refusal(user, apprenticeship, "teaching.plan_edit") or active_refusal(apprenticeship)
    if refusal is None and plan is not None and not plan.is_editable:
        refusal = ConflictError(_("传承计划处于「%(status)s」状态，不能修改") % {"status": plan.get_status_display()})
    return refusal


def may_edit_plan(user, apprenticeship, plan) -> bool:
    return plan_edit_refusal(user, apprenticeship, plan) is None


def activity_log_refusal(user, apprenticeship, plan) -> Exception | None:
    """The apprentice logs hours while the apprenticeship is active, once the plan is agreed
    (000 §四(四))."""
    refusal = _party_refusal(user, apprenticeship, "teaching.activity_log") or active_refusal(apprenticeship)
    if refusal is None and (plan is None or not plan.is_agreed):
        refusal = ConflictError(_("传承计划经传承人和主办单位确认后才能登记带教课时（000 §四(四)）"))
    return refusal


def may_log_activity(user, apprenticeship, plan) -> bool:
    return activity_log_refusal(user, apprenticeship, plan) is None


def may_confirm_hours(user, apprenticeship) -> bool:
    """The master confirms the hours of an active apprenticeship (the queue and its batch form;
    each activity's move is checked by transition())."""
    return is_party(user, apprenticeship, MASTER) and apprenticeship.is_active


def materials_refusal(user, apprenticeship, graduation) -> Exception | None:
    """The apprentice adds and removes graduation materials while the apprenticeship is active
    and the graduation is his to submit (a draft, or after a failed assessment)."""
    refusal = _party_refusal(user, apprenticeship, "teaching.graduation_edit") or active_refusal(apprenticeship)
    if refusal is None and graduation is not None and not graduation.is_editable:
        refusal = ConflictError(
            _("出师考核处于「%(status)s」状态，不能修改材料") % {"status": graduation.get_status_display()}
        )
    return refusal


def may_edit_materials(user, apprenticeship, graduation) -> bool:
    return materials_refusal(user, apprenticeship, graduation) is None


def term_refusal(apprenticeship, graduation) -> ConflictError | None:
    """Graduation materials go in once the study term has ended (teaching.quotas.TERM_CLAUSE),
    unless the host unit has allowed them in early."""
    from django.utils import timezone

    from teaching.quotas import EARLY_CLAUSE, TERM_CLAUSE

    if timezone.localdate() >= apprenticeship.ends_on:
        return None
    if graduation is not None and graduation.early_allowed_at is not None:
        return None
    return ConflictError(
        _(
            "师承期限至 %(end)s 届满，届满前不能提交结业材料（%(clause)s）；"
            "确需提前的，须由主办单位批准并记录理由（%(early)s）"
        )
        % {"end": f"{apprenticeship.ends_on:%Y-%m-%d}", "clause": TERM_CLAUSE, "early": EARLY_CLAUSE}
    )


def early_refusal(user, apprenticeship, graduation) -> Exception | None:
    """The host unit allows early submission while the term runs, the materials are still the
    apprentice's to submit, and nobody has allowed it yet."""
    if not can(user, "teaching.graduation_early", apprenticeship):
        return PermissionDenied(_("只有主办单位可以批准提前提交结业材料"))
    refusal = active_refusal(apprenticeship)
    if refusal is None and term_refusal(apprenticeship, graduation) is None:
        if graduation is not None and graduation.early_allowed_at is not None:
            refusal = ConflictError(_("已批准提前提交结业材料，无需再次批准"))
        else:
            refusal = ConflictError(_("师承期限已届满，无需批准提前提交"))
    if refusal is None and graduation is not None and not graduation.is_editable:
        refusal = ConflictError(
            _("出师考核处于「%(status)s」状态，不能再批准提前提交") % {"status": graduation.get_status_display()}
        )
    return refusal


def may_allow_early(user, apprenticeship, graduation) -> bool:
    return early_refusal(user, apprenticeship, graduation) is None
