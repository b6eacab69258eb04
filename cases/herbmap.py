"""Keeps lib.herbs in step with the curators' spellings (cases.HerbMapping) in this process.

Every path that reads a prescription text (import, entry, the command line) calls `sync()` first:
one small query tells whether another process saved a mapping since, and only then are they
reloaded."""

from __future__ import annotations

from django.db.models import Count, Max

from cases.models import HerbMapping
from lib import herbs

_stamp: tuple | None = None


def sync(*, force: bool = False) -> None:
    global _stamp
    stamp = tuple(HerbMapping.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
    if force or stamp != _stamp:
        herbs.set_curated_spellings(
            {
                m.spelling: (m.standard_name, m.processing)
                for m in HerbMapping.objects.only("spelling", "standard_name", "processing")
            }
        )
        _stamp = stamp


def forget() -> None:
    """Drops the curators' spellings from this process (tests roll the table back)."""
    global _stamp
    _stamp = None
    herbs.set_curated_spellings({})
