"""Acts on certificates, registered into accounts.permissions.ACTS.

Holders and their masters open their own certificates; staff of the issuing unit, of the master's
or holder's unit and office staff of the region open those in their scope. Only the kinds of unit
that issue certificates revoke them: the guiding unit (master certificates, 000 §五(一)3) and the
host unit (apprentice certificates, 000 §六); their scope is the certificates they issued.
"""

from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, STAFF_ROLES, Act, Kind, Role, can

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


def issued_by_own_unit(user, certificate) -> bool:
    """Whether one of the person's revoking roles is in the unit that issued this very certificate.

    The act's scope cannot say it: the programme's units see every certificate (the host unit sees
    master certificates too), but only the issuing unit revokes one."""
    if user.is_superuser:
        return True
    from accounts.models import Membership

    roles = ACTS["certificate.revoke"].roles
    return Membership.objects.filter(user=user, organization_id=certificate.issuer_id, role__in=roles).exists()


def may_revoke(user, certificate) -> bool:
    """The revoke button and page, and certificates.services.certificate_revoke."""
    return can(user, "certificate.revoke", certificate) and issued_by_own_unit(user, certificate)
