"""Policy numbers of the evaluation in one place, each with the clause it comes from, so that a
policy change is a one-line change here (the rubric and the grade scale are data: admin)."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

# EVA-2: a personal invitation link works this long, and never after the scoring deadline.
INVITATION_LINK_LIFETIME = timedelta(days=14)
# Reminders: once when the deadline is this close, once when it has passed.
REMIND_BEFORE = timedelta(days=3)

# EVA-4 (003 §三(三).13 「综合考虑临床价值、患者认可度、技术劳务价值等因素」): the three factors,
# each scored 0–100, weigh into one composite; the price proposal is the reference price of the
# comparable service item scaled by the composite — 60 (a pass) keeps the reference price, every
# point above or below moves it by 1 %, within ±30 %.
PRICING_WEIGHTS = {
    "clinical_value": Decimal("0.4"),
    "patient_recognition": Decimal("0.3"),
    "labour_value": Decimal("0.3"),
}
PRICING_NEUTRAL = Decimal("60")
PRICING_STEP = Decimal("0.01")
PRICING_BOUNDS = (Decimal("0.7"), Decimal("1.3"))


def pricing_factor(*, clinical_value: int, patient_recognition: int, labour_value: int) -> Decimal:
    composite = (
        PRICING_WEIGHTS["clinical_value"] * clinical_value
        + PRICING_WEIGHTS["patient_recognition"] * patient_recognition
        + PRICING_WEIGHTS["labour_value"] * labour_value
    )
    factor = Decimal(1) + (composite - PRICING_NEUTRAL) * PRICING_STEP
    low, high = PRICING_BOUNDS
    return min(max(factor, low), high).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def proposed_price(reference_price: Decimal, factor: Decimal) -> Decimal:
    return (reference_price * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
