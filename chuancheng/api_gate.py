"""The gate of an API endpoint: who may act on what, asked after sign-in and before the request's
body is read — as a page asks it before reading its form.

django-ninja parses and validates the body before the endpoint runs. Without a gate, a person
outside the record's scope, or without the role, would be told that their input is invalid (400,
422) where the answer is 404 or 403 whatever they sent. The endpoint's service checks again, with
the input and the record's state.

    @router.post("evaluations/{pk}/meetings", …)
    @gated(Evaluation, "evaluation.manage")   # the record named by the path's pk, and the act on it
    @gated(Technique, moves=True)             # a move named by the body: workflow.authorize_moves
    @gated(act="technique.create")            # the role alone, for a record the body brings
    @gated(check=_may_revoke)                 # check(request, **path) raises the refusal
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja.decorators import decorate_view

from accounts.permissions import authorize
from workflow.services import authorize_moves


def gated(
    model: type[Model] | None = None,
    act: str | None = None,
    *,
    moves: bool = False,
    check: Callable[..., object] | None = None,
):
    """The endpoint's gate, asked before its body is read (the forms above)."""
    if check is None:
        check = _record_check(model, act, moves) if model is not None else _role_check(act)
    return decorate_view(_before_input(check))


def record_from_path(model: type[Model] | QuerySet, pk) -> Model:
    """The record named by the path's pk (a string as the URL gives it): 404 when there is none."""
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(model, pk=int(pk))


def _record_check(model: type[Model], act: str | None, moves: bool) -> Callable[..., None]:
    def check(request, pk, **_path) -> None:
        obj = record_from_path(model, pk)
        if moves:
            authorize_moves(request.user, obj)
        else:
            authorize(request.user, act, obj)

    return check


def _role_check(act: str) -> Callable[..., None]:
    def check(request, **_path) -> None:
        authorize(request.user, act)

    return check


def _before_input(check: Callable[..., object]):
    """A decorator of the operation's run (ninja's decorate_view): the operation's own checks
    (sign-in, 401 before anything else), then the gate, then the operation as usual — which signs
    the person in again (one more token lookup: ninja offers no hook between sign-in and parsing)."""

    def decorate(run):
        operation = run.__self__

        @wraps(run)
        def gated_run(request, **path):
            refused = operation._run_checks(request)
            if refused is not None:
                return refused
            try:
                check(request, **path)
            except ValueError:
                pass  # a malformed path ("pk": "abc"): ninja refuses it (422) as it parses
            except Exception as exc:  # Http404 / PermissionDenied: the API's own error exits
                return operation.api.on_exception(request, exc)
            return run(request, **path)

        return gated_run

    return decorate
