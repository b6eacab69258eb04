"""Acts of the apprenticeship programme, registered into accounts.permissions.ACTS.

Each app that adds a workflow keeps its acts beside its models; `can()` / `authorize()` /
`scope()` read them from the one table whatever app they came from.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role, authorize, can
from apprenticeships.models import ApprenticeApplication, Match, Party

Status = ApprenticeApplication.Status

REVIEWERS = frozenset({Role.UNIT_ADMIN, Role.REVIEWER})
# A match that ties the application to a master: waiting for the master, or the contract.
LIVE = (Match.Status.PROPOSED, Match.Status.ACCEPTED, Match.Status.SIGNED)

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


# --- rules of the pages that are not moves: one predicate each, used by service, view and template ---


# An application is edited in the states it is submitted from (the table's draft and returned):
# its form and documents are what the submission sends.
EDITABLE = frozenset(s for s, table in ApprenticeApplication.TRANSITIONS.items() if Status.SUBMITTED in table)


def is_applicant(user, application) -> bool:
    """The applicant themself. A master to whom the application was proposed "owns" it too, for
    reading only: the owner acts let both through and the services ask this."""
    return user.is_superuser or (user.is_authenticated and application.applicant_id == user.pk)


def check_applicant(user, application) -> None:
    """The applicant's own changes to the form and documents: 404 outside scope, 403 without the
    act — or for a master who reads the application as its "owner" but does not write it."""
    authorize(user, "apprentice_application.submit", application)
    if not is_applicant(user, application):
        raise PermissionDenied(_("只有申请人本人可以修改或提交申请"))


def may_edit_application(user, application) -> bool:
    """Change the form or replace documents: the applicant, while the application can be submitted."""
    return (
        application.status in EDITABLE
        and is_applicant(user, application)
        and can(user, "apprentice_application.submit", application)
    )


def may_decide_exemption(user, application) -> bool:
    """The organizing unit decides a special-expertise exemption before vetting ends (000 §五(二))."""
    return application.status in (*EDITABLE, Status.SUBMITTED) and can(
        user, "apprentice_application.exempt", application
    )


def may_vet(user, application) -> bool:
    """The vetting form (a verdict per document) is shown to whoever may pass it on now."""
    act = ApprenticeApplication.TRANSITIONS.get(application.status, {}).get(Status.VETTED)
    return act is not None and can(user, act, application)


def may_propose_match(user, application) -> bool:
    """Proposing a master creates a match; the application waits for one once approved."""
    return application.status == Status.APPROVED and can(user, "apprentice_match.propose", application)


def may_change_intention(user, application) -> bool:
    """After a decline the applicant may name other masters: approved, nothing live with a master
    (a proposal waiting or a contract being signed), and it is their own application."""
    return (
        application.status == Status.APPROVED
        and is_applicant(user, application)
        and not application.matches.filter(status__in=LIVE).exists()
        and can(user, "apprentice_application.submit", application)
    )


def may_view_match(user, match) -> bool:
    """Who may open a match: the act's people, and the applicant, whose own proposal it is even
    while it is the master's alone to decide (Match.owner_q)."""
    return is_applicant(user, match.application) or can(user, "apprentice_match.view", match)


def contract_party(match, user) -> str | None:
    """Which party of the contract this person is, if any."""
    if match.application.applicant_id == user.pk:
        return Party.APPRENTICE
    if match.master.user_id == user.pk:
        return Party.MASTER
    return None


def may_sign_contract(user, match) -> bool:
    """A party who has not signed yet, while the contract is open for signature."""
    party = contract_party(match, user)
    return (
        party is not None
        and match.status == Match.Status.ACCEPTED
        and not match.signatures.filter(party=party).exists()
        and can(user, "apprentice_contract.sign", match)
    )
