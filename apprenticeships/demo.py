"""Demo data of the apprenticeships app, loaded by chuancheng.demo.load_demo (make run)."""

from __future__ import annotations


def load_demo_apprenticeships(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run."""
