"""Certificates for tests, issued through the real workflow (master certification)."""

from __future__ import annotations

from certificates.models import Certificate


def master_certificate(world, **fields) -> Certificate:
    """张医生 certified by the guiding unit: his master certificate."""
    from masters.tests.factories import certified

    master = certified(world, **fields)
    return Certificate.objects.get(master=master, kind=Certificate.Kind.MASTER)
