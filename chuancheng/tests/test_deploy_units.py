"""The rest of deploy/ (issue 13 §19): gunicorn's configuration loads with the documented worker
count, the systemd units start only what the repository has, the environment example names only
settings that chuancheng/settings.py reads, and logrotate accepts its file."""

from __future__ import annotations

import configparser
import grp
import multiprocessing
import os
import pwd
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
APP = "/srv/chuancheng/app/"
# Installed by `make system-packages`.
LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == multiprocessing.cpu_count() * 2 + 1
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 3


def test_gunicorn_loads_its_configuration_and_the_application(tmp_path):
    env = dict(
        os.environ, GUNICORN_ERRORLOG=str(tmp_path / "gunicorn.log"), DJANGO_SETTINGS_MODULE="chuancheng.settings"
    )
    checked = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--check-config",
            "--config",
            "deploy/gunicorn.conf.py",
            "chuancheng.wsgi",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_units_start_what_the_repository_has():
    for name in ("chuancheng-web.service", "chuancheng-worker@.service", "chuancheng-backup.service"):
        service = _unit(name)["Service"]
        assert service["WorkingDirectory"] == APP.rstrip("/")
        assert service["User"] == "chuancheng"
        command = shlex.split(service["ExecStart"])
        for argument in command:
            if argument.startswith(APP):
                assert (PROJECT / argument.removeprefix(APP)).exists(), argument
            elif argument.endswith((".py", ".sh")):
                assert (PROJECT / argument).exists(), argument
    web = shlex.split(_unit("chuancheng-web.service")["Service"]["ExecStart"])
    assert web[-1] == "chuancheng.wsgi"
    worker = shlex.split(_unit("chuancheng-worker@.service")["Service"]["ExecStart"])
    assert worker[1:3] == ["manage.py", "db_worker"]
    help_text = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--help"], cwd=PROJECT, capture_output=True, text=True, timeout=120
    ).stdout
    for option in (o for o in worker if o.startswith("--")):
        assert option in help_text, option
    timer = _unit("chuancheng-backup.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Persistent"] == "true"


def test_the_environment_example_names_only_what_settings_read():
    # settings.py reads the environment, and a few modules read a secret of their own.
    readers = "".join((PROJECT / path).read_text() for path in ("chuancheng/settings.py", "workflow/services.py"))
    for example in ("chuancheng.env.example", "owner.env.example"):
        names = [
            line.split("=", 1)[0].lstrip("# ").strip()
            for line in (DEPLOY / example).read_text().splitlines()
            if re.match(r"#? ?[A-Z_]+=", line)
        ]
        assert names, example
        for name in names:
            read_by_gunicorn = name.startswith("GUNICORN_") and name in (DEPLOY / "gunicorn.conf.py").read_text()
            assert read_by_gunicorn or f'"{name}"' in readers, name
    production = (DEPLOY / "chuancheng.env.example").read_text()
    for required in (
        "CHUANCHENG_ENV=production",
        "SECRET_KEY=",
        "ALLOWED_HOSTS=",
        "DATABASE_URL=",
        "FIELD_ENCRYPTION_KEY=",
        "CERTIFICATE_SIGNING_KEY=",
        "AUDIT_CHAIN_KEY=",
        "FILES_X_ACCEL_PREFIX=/protected-media/",
    ):
        assert required in production, required


def test_logrotate_accepts_the_configuration_and_keeps_six_months(tmp_path):
    text = (DEPLOY / "logrotate" / "chuancheng").read_text()
    assert re.search(r"^\s*rotate 180$", text, re.M)
    # The production owner does not exist here; the rest of the file is checked as written.
    user, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    assert "create 0640 chuancheng adm" in text
    (tmp_path / "chuancheng").write_text(text.replace("create 0640 chuancheng adm", f"create 0640 {user} {group}"))
    checked = subprocess.run(
        [LOGROTATE, "--debug", "--state", str(tmp_path / "state"), str(tmp_path / "chuancheng")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "error:" not in checked.stderr
