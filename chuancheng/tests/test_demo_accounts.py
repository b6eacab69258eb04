"""The demo's accounts as a visitor meets them (issue 12 §21): `load_demo` prints every account it
makes, each signs in with the one demo password, and every staff account finds a record of its
own scope waiting and can move it — 临猗县's staff included, whose accounts once had no password."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from accounts.models import Membership, User
from chuancheng.demo import DEMO_PASSWORD
from chuancheng.test import login_request, second_factor_code
from workflow.services import moves, waiting_for

# Enough declarations that every county has one (13 counties), few enough to stay quick.
DEMO_TECHNIQUES = 26
STAFF_ROLES = (Membership.Role.OFFICE_STAFF, Membership.Role.REVIEWER, Membership.Role.UNIT_ADMIN)


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("load_demo", "--techniques", str(DEMO_TECHNIQUES), stdout=out)
    return out.getvalue()


def _printed_usernames(output: str) -> set[str]:
    return {
        line.split()[0] for line in output.splitlines() if line.startswith("  ") and not line.strip().startswith("http")
    }


def test_load_demo_prints_every_account_it_makes_and_each_signs_in(demo):
    printed = _printed_usernames(demo)
    made = set(User.objects.values_list("username", flat=True))
    assert made - printed == set(), "accounts made by load_demo but not printed"
    assert {f"master{n}" for n in range(2, 7)} | {"master", "staff140821", "county", "yongji"} <= printed
    for username in sorted(made):
        user = authenticate(request=login_request(), username=username, password=DEMO_PASSWORD)
        assert user is not None, f"{username} cannot sign in with the demo password"


def test_load_demo_prints_the_pages_at_the_host_and_port_make_run_serves(db, monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8010")
    out = io.StringIO()
    call_command("load_demo", "--techniques", "8", stdout=out)
    assert "http://127.0.0.1:8010/techniques/" in out.getvalue()
    monkeypatch.setenv("HOST", "192.168.1.20")
    out = io.StringIO()
    call_command("load_demo", "--techniques", "8", stdout=out)
    assert "http://192.168.1.20:8010/masters/" in out.getvalue()


def _sign_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} cannot sign in"
    if response["Location"].startswith("/accounts/mfa/"):
        user = User.objects.get(username=username)
        response = client.post(response["Location"], {"code": second_factor_code(user)})
        assert response.status_code == 302, f"{username} fails the second factor"
    assert client.get("/workbench/").status_code == 200
    return client


def _state(obj) -> str:
    obj.refresh_from_db()
    return str(getattr(obj, getattr(type(obj), "TRANSITION_FIELD", "status")))


def _move_one(client: Client, user: User):
    """Makes the first plain move (a button, not a page of its own; not an ending) on something
    waiting for `user`, through the workbench's one endpoint; returns the record moved."""
    for item in waiting_for(user):
        obj = item.obj
        for move in moves(obj, user):
            if move.page_url or move.tone != "primary":
                continue
            before = _state(obj)
            response = client.post(
                f"/audit/move/{obj._meta.label_lower}/{obj.pk}/",
                {"to": str(move.to), "expect": before, "reason": "演示：材料齐全"},
            )
            if response.status_code == 302 and _state(obj) != before:
                return obj
    return None


def test_every_demo_staff_account_signs_in_and_moves_a_record_of_its_own_scope(demo):
    staff = (
        User.objects.filter(memberships__role__in=STAFF_ROLES, email__endswith="@demo.example.cn")
        .distinct()
        .order_by("username")
    )
    usernames = list(staff.values_list("username", flat=True))
    assert {"county", "yongji", "cityoffice", "organizer", "host", "guide"} <= set(usernames)
    assert {f"staff1408{n:02d}" for n in range(21, 31)} <= set(usernames)
    stuck = []
    for user in staff:
        # Each person alone with the demo as loaded: 盐湖区's two staff accounts share one county.
        with transaction.atomic():
            client = _sign_in(user.username)
            moved = _move_one(client, user)
            transaction.set_rollback(True)
        if moved is None:
            stuck.append(user.username)
            continue
        if user.username.startswith("staff"):
            # A county's staff moved a declaration of their own county.
            assert moved.region_id.startswith(user.username.removeprefix("staff")), (user.username, moved)
    assert stuck == [], f"demo staff with nothing they can move: {stuck}"


def test_linyi_staff_receive_the_holders_online_declaration(demo):
    """The demo holder (临猗县) declares online; 临猗县's staff sign in and take it on."""
    from techniques.models import Technique

    online = Technique.objects.filter(
        entered_by__username="holder", region__prefix__startswith="140821", status__in=["submitted", "received"]
    ).first()
    assert online is not None
    client = _sign_in("staff140821")
    page = client.get(f"/techniques/manage/{online.pk}/")
    assert page.status_code == 200
    before = online.status
    to = "received" if before == "submitted" else "verified"
    response = client.post(
        f"/audit/move/techniques.technique/{online.pk}/", {"to": to, "expect": before, "reason": "已入户核实"}
    )
    assert response.status_code == 302
    online.refresh_from_db()
    assert online.status == to
    # Another county's staff do not even see it.
    outsider = _sign_in("staff140881")
    assert outsider.get(f"/techniques/manage/{online.pk}/").status_code == 404


def test_the_demos_declaration_files_open_for_those_who_may_see_them(demo):
    """Photos and PDFs of the demo's declarations are real files that open through the
    permission-checked view (issue 12 §11), for the city's staff and the county's own, and for
    nobody else; the page links the view, never /media/."""
    from techniques.models import TechniqueFile

    files = list(TechniqueFile.objects.select_related("technique"))
    assert {f.content_type for f in files} == {"image/png", "application/pdf"}
    assert {f.technique.status for f in files} >= {"submitted", "received", "accepted", "published"}
    city = _sign_in("cityoffice")
    for record in files:
        response = city.get(f"/techniques/files/{record.pk}/")
        assert response.status_code == 200, record
        assert response["Content-Type"] == record.content_type
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body[:4] in (b"\x89PNG", b"%PDF")
    record = files[0]
    county = _sign_in(f"staff{record.technique.region_id[:6]}")
    page = county.get(f"/techniques/manage/{record.technique.pk}/").content.decode()
    assert f"/techniques/files/{record.pk}/" in page and "/media/" not in page
    assert county.get(f"/techniques/files/{record.pk}/").status_code == 200
    other = "140881" if not record.technique.region_id.startswith("140881") else "140882"
    assert _sign_in(f"staff{other}").get(f"/techniques/files/{record.pk}/").status_code == 404
    assert Client().get(f"/techniques/files/{record.pk}/").status_code == 404
