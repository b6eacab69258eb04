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


def _script_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database_url, MEDIA_ROOT=str(tmp_path / "media"))
    env.pop("TEST_DATABASE_NAME", None)
    return env


def test_the_nightly_backup_writes_a_dated_backup_and_removes_those_past_keeping(tmp_path, transactional_db):
    import sqlite3
    from urllib.parse import quote

    from django.db import connection

    # The test database: copied to a file on SQLite, by its URL on PostgreSQL.
    if connection.vendor == "sqlite":
        database = tmp_path / "live.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(database)
        connection.connection.backup(copy)
        copy.close()
        url = f"sqlite:///{database}"
    else:
        params = connection.settings_dict
        auth = quote(params["USER"], safe="") + (f":{quote(params['PASSWORD'], safe='')}" if params["PASSWORD"] else "")
        url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    root = tmp_path / "backups"
    old = root / "20200101-023000"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    os.utime(old, (0, 0))

    done = subprocess.run(
        ["sh", str(DEPLOY / "backup-nightly.sh"), str(root)],
        cwd=PROJECT,
        env=_script_env(tmp_path, url) | {"BACKUP_KEEP_DAYS": "14"},
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stderr
    backups = sorted(p.name for p in root.iterdir())
    assert len(backups) == 1 and re.fullmatch(r"\d{8}-\d{6}", backups[0])
    assert (root / backups[0] / "manifest.json").is_file()
    assert (root / backups[0] / {"sqlite": "database.sqlite3"}.get(connection.vendor, "database.dump")).is_file()


def test_a_failed_nightly_backup_leaves_no_half_backup_behind(tmp_path):
    root = tmp_path / "backups"

    done = subprocess.run(
        ["sh", str(DEPLOY / "backup-nightly.sh"), str(root)],
        cwd=PROJECT,
        # Nothing listens on port 1: the dump fails after the backup's directory was made.
        env=_script_env(tmp_path, "postgres://nobody@127.0.0.1:1/nothing"),
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode != 0
    assert list(root.iterdir()) == []


def test_housekeeping_seals_the_audit_log_and_expires_job_outputs_every_ten_minutes():
    from django.core.management import get_commands

    text = (DEPLOY / "systemd" / "chuancheng-housekeeping.service").read_text()
    commands = [shlex.split(line.partition("=")[2]) for line in text.splitlines() if line.startswith("ExecStart=")]
    assert [c[1:3] for c in commands] == [["manage.py", "verify_audit"], ["manage.py", "expire_job_outputs"]]
    assert "--seal" in commands[0]
    for command in commands:
        assert (PROJECT / command[0].removeprefix(APP)).parent.name == "bin"
        assert command[2] in get_commands()
    timer = _unit("chuancheng-housekeeping.timer")["Timer"]
    assert timer["OnUnitActiveSec"] == "10m"
