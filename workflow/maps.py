"""What a model declares beside its TRANSITIONS table; model-free, so models can import it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """One entry of a model's NOTIFY map ({to_state: Notice or [Notice, …]}): who hears of an
    arrival and what they read.

    `to` names the people: an attribute path on the record giving a user or users ("applicant",
    "master.user", a method such as "unit_admins"), or "act:<act>" — everyone whose role lets them
    do that act on the record now (accounts.permissions.people_who_can). `title` may use {obj},
    {state} and {reason}; the body is the reason given with the move unless `body` says otherwise.
    The person who made the move is not told of it, and nobody hears of one arrival twice."""

    title: str
    to: tuple[str, ...]
    body: str = ""
