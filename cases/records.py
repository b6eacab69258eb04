"""What a case record is built of, for the doctor's own entry (services) and the spreadsheet
import alike: the doctor's unit, the apprenticeship new cases belong to, a prescription's items."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Membership
from cases.models import Prescription, PrescriptionItem
from lib.errors import ApplicationError


def doctor_organization(owner):
    """The unit where the owner practises as master or apprentice: the records belong to it."""
    membership = (
        Membership.objects.filter(user=owner, role__in=[Membership.Role.MASTER, Membership.Role.APPRENTICE])
        .select_related("organization__region")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise ApplicationError(_("病案只能导入给传承人或师承人：该用户没有传承人或师承人身份"))
    return membership.organization


def active_apprenticeship(owner):
    """The apprenticeship an apprentice's new cases belong to: the one they are in now, if one."""
    from apprenticeships.models import Apprenticeship

    found = list(
        Apprenticeship.objects.filter(apprentice=owner, status=Apprenticeship.Status.ACTIVE).values_list(
            "pk", flat=True
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def prescription_items(prescription: Prescription, doses) -> list[PrescriptionItem]:
    """The items of a prescription from its parsed doses (lib.herbs.HerbDose), unsaved."""
    return [
        PrescriptionItem(
            prescription=prescription,
            herb=dose.herb_name[:64],
            original_name=dose.name[:64],
            processing=dose.herb.processing[:16] if dose.herb else "",
            amount=dose.amount,
            unit=dose.unit or "",
            grams=dose.grams,
            factor=dose.factor,
            note=dose.note[:20],
            known=bool(dose.herb and dose.herb.known),
        )
        for dose in doses
    ]
