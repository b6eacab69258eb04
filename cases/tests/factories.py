"""Masters and apprenticeships for the fidelity and protocol tests, made through the masters
services; the apprenticeship row itself directly (its application and contract flow is another
app's)."""

from __future__ import annotations

import datetime

from apprenticeships.models import Apprenticeship
from masters.models import Master
from masters.tests.factories import certified


def apprenticeship_of(world, *, master=None, apprentice=None) -> Apprenticeship:
    """张医生, certified, teaching 李明 for a year."""
    # Another app's expectations may already have made 张医生's application: reuse it.
    master = master or Master.objects.filter(user=world.zhang).first() or certified(world, world.zhang)
    apprentice = apprentice or world.liming
    return Apprenticeship.objects.create(
        master=master,
        apprentice=apprentice,
        organization=world.yongji_tcm,
        region=world.yongji_tcm.region,
        term="one_year",
        starts_on=datetime.date(2025, 3, 1),
        ends_on=datetime.date(2026, 3, 1),
    )
