"""`make run PORT=8010 HOST=0.0.0.0` (issue 12 §20): the server listens where it is told, the
demo's links name that port, and a server on every address answers the names others reach it by."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def _make_dry_run(*args: str) -> str:
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=PROJECT, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def test_make_run_serves_on_the_port_and_host_given():
    commands = _make_dry_run("PORT=8010", "HOST=0.0.0.0")
    assert "runserver 0.0.0.0:8010" in commands
    assert "HOST=0.0.0.0 PORT=8010" in commands and "load_demo" in commands


def test_make_run_defaults_to_this_machine_on_port_8000():
    commands = _make_dry_run()
    assert "runserver 127.0.0.1:8000" in commands


def test_the_readme_says_how():
    readme = (PROJECT / "README.md").read_text()
    assert "make run PORT=8010" in readme and "HOST=0.0.0.0" in readme


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, host_header: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/favicon.ico", headers={"Host": host_header})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _serve(run_host: str | None, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("RUN_HOST", "CHUANCHENG_ENV")}
    if run_host:
        env["RUN_HOST"] = run_host
    # The icon needs no database: the server is tried without touching the test database.
    return subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"{run_host or '127.0.0.1'}:{port}", "--noreload", "--skip-checks"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the development server did not start")


def test_a_server_on_every_address_answers_the_address_others_use():
    port = _free_port()
    server = _serve("0.0.0.0", port)
    try:
        _wait(port)
        assert _get(port, f"192.168.1.20:{port}") == 200
    finally:
        server.terminate()
        server.wait(10)


def test_a_server_on_this_machine_refuses_other_host_names():
    port = _free_port()
    server = _serve(None, port)
    try:
        _wait(port)
        assert _get(port, f"127.0.0.1:{port}") == 200
        assert _get(port, f"192.168.1.20:{port}") == 400
    finally:
        server.terminate()
        server.wait(10)
