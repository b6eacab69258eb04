"""Backup and restore (issue 13 §17): `manage.py backup DIR` from the test database, then
`manage.py restore DIR` in a separate process into a new empty database (a scratch PostgreSQL
database made and dropped here, or a new SQLite file) and an empty media root. Every table's rows
and every file's bytes come back; a changed part, another key or a target that is not empty is
refused before anything is written."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chuancheng.backup import MANIFEST, database_checksums, key_fingerprint, table_checksums
from chuancheng.test import admin_conninfo

PROJECT = Path(__file__).resolve().parents[2]
_scratch = itertools.count()

FILES = {
    "teaching/evidence/2026/12/0f3c.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40,
    "signatures/2026/12/9ab1.png": b"\x89PNG\r\n\x1a\n" + os.urandom(5000),
    "jobs/out/report.xlsx": b"PK\x03\x04" + b"\x00" * 3000,
}


class Target:
    """A new, empty database and media root for a restore in another process."""

    def __init__(self, tmp_path: Path):
        self.media_root = tmp_path / "restored-media"
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"chuancheng_restore_{os.getpid()}_{next(_scratch)}"
            # Made by the superuser: the suite's own role may create no database.
            self.conninfo = admin_conninfo()
            with psycopg.connect(**self.conninfo, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                admin.execute(f'CREATE DATABASE "{self.name}"')
            auth = quote(self.conninfo["user"], safe="") + (
                f":{quote(self.conninfo['password'], safe='')}" if self.conninfo["password"] else ""
            )
            self.url = f"postgres://{auth}@{self.conninfo['host']}:{self.conninfo['port']}/{self.name}"
        else:
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def raw(self):
        if self.vendor == "postgresql":
            return psycopg.connect(**self.conninfo, dbname=self.name)
        return sqlite3.connect(self.path)

    def checksums(self) -> dict:
        raw = self.raw()
        try:
            if self.vendor == "postgresql":
                with raw.transaction():
                    return table_checksums(raw, "postgresql")
            return table_checksums(raw, "sqlite")
        finally:
            raw.close()

    def tables(self) -> list[str]:
        return sorted(self.checksums())

    def files(self) -> dict[str, bytes]:
        root = self.media_root
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    def restore(self, backup_dir: Path, **env_overrides: str) -> subprocess.CompletedProcess[str]:
        return self.manage("restore", str(backup_dir), **env_overrides)

    def manage(self, *args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        for harness in ("TEST_DATABASE_NAME", "DATABASE_ROLE", "TEST_ADMIN_DATABASE_URL", "TEST_OWNER_ROLE"):
            env.pop(harness, None)
        env.update(
            DATABASE_URL=self.url,
            MEDIA_ROOT=str(self.media_root),
            FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
            DJANGO_SETTINGS_MODULE="chuancheng.settings",
        )
        env.update(env_overrides)
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with psycopg.connect(**self.conninfo, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.drop()


@pytest.fixture
def media(settings, tmp_path) -> dict[str, bytes]:
    settings.MEDIA_ROOT = tmp_path / "media"
    for name, content in FILES.items():
        assert default_storage.save(name, ContentFile(content)) == name
    return FILES


@pytest.fixture
def backed_up(transactional_db, media, tmp_path) -> Path:
    """A backup of the database as migrations leave it, plus the files."""
    directory = tmp_path / "backup"
    call_command("backup", str(directory))
    return directory


def _assert_nothing_written(target: Target) -> None:
    assert target.tables() == []
    assert target.files() == {}


def test_backup_then_restore_into_an_empty_database_gives_back_every_row_and_every_file(
    live_world, media, target, tmp_path
):
    directory = tmp_path / "backup"
    call_command("backup", str(directory))
    source = database_checksums()

    done = target.restore(directory)

    assert done.returncode == 0, done.stderr
    restored = target.checksums()
    assert sorted(restored) == sorted(source)
    for table, figures in source.items():
        assert restored[table] == figures, table
    assert source["accounts_user"]["rows"] == len(live_world.PERSONAS)
    assert source["workflow_auditentry"]["rows"] > 0
    assert target.files() == media
    # The audit chain came back whole, under the same key.
    verified = target.manage("verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_manifest_hashes_every_part_and_fingerprints_the_key_without_holding_it(backed_up):
    manifest = json.loads((backed_up / MANIFEST).read_text())

    assert manifest["engine"] == connection.vendor
    assert manifest["schema"]["accounts"].startswith("0")
    assert manifest["schema"]["workflow"].startswith("0")
    assert manifest["created"]
    assert manifest["key_fingerprints"] == [key_fingerprint(settings.FIELD_ENCRYPTION_KEY)]
    assert manifest["database"]["path"] in {"database.dump", "database.sqlite3"}
    assert len(manifest["database"]["sha256"]) == 64
    assert {m["name"] for m in manifest["media"]} == set(FILES)
    assert all(len(m["sha256"]) == 64 for m in manifest["media"])
    key = settings.FIELD_ENCRYPTION_KEY.encode()
    for part in backed_up.rglob("*"):
        if part.is_file():
            assert key not in part.read_bytes(), part


def test_a_changed_file_in_the_backup_is_refused_and_nothing_is_written(backed_up, target):
    part = backed_up / "media" / "signatures/2026/12/9ab1.png"
    part.write_bytes(part.read_bytes()[:-1] + b"\x00")

    done = target.restore(backed_up)

    assert done.returncode != 0
    assert "signatures/2026/12/9ab1.png" in done.stderr and "SHA-256 与清单不符" in done.stderr
    _assert_nothing_written(target)


def test_a_changed_dump_with_its_hash_rewritten_in_the_manifest_is_refused(backed_up, target):
    manifest = json.loads((backed_up / MANIFEST).read_text())
    dump = backed_up / manifest["database"]["path"]
    dump.write_bytes(dump.read_bytes() + b"\x00")
    manifest["database"].update(sha256=hashlib.sha256(dump.read_bytes()).hexdigest(), bytes=dump.stat().st_size)
    (backed_up / MANIFEST).write_text(json.dumps(manifest))

    done = target.restore(backed_up)

    assert done.returncode != 0
    assert "签名不符" in done.stderr
    _assert_nothing_written(target)


def test_a_file_slipped_into_the_backup_is_refused(backed_up, target):
    (backed_up / "media" / "extra.html").write_text("<script>alert(1)</script>")

    done = target.restore(backed_up)

    assert done.returncode != 0
    assert "清单未列出" in done.stderr and "media/extra.html" in done.stderr
    _assert_nothing_written(target)


def test_another_encryption_key_is_refused_and_nothing_is_written(backed_up, target):
    done = target.restore(backed_up, FIELD_ENCRYPTION_KEY="another-key-than-the-backups")

    assert done.returncode != 0
    assert "FIELD_ENCRYPTION_KEY 与备份时的密钥不一致" in done.stderr
    _assert_nothing_written(target)


def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(backed_up, target):
    raw = target.raw()
    raw.execute("CREATE TABLE precious (note text)")
    raw.execute("INSERT INTO precious VALUES ('keep me')")
    raw.commit()
    raw.close()

    done = target.restore(backed_up)

    assert done.returncode != 0
    assert "目标数据库" in done.stderr and "不是空的" in done.stderr
    assert target.checksums().keys() == {"precious"}
    assert target.checksums()["precious"]["rows"] == 1
    assert target.files() == {}


def test_a_media_root_that_is_not_empty_is_refused_and_nothing_is_written(backed_up, target):
    (target.media_root / "old").mkdir(parents=True)
    (target.media_root / "old" / "scan.pdf").write_bytes(b"%PDF-old")

    done = target.restore(backed_up)

    assert done.returncode != 0
    assert "目标文件存储" in done.stderr and "不是空的" in done.stderr
    assert target.tables() == []
    assert target.files() == {"old/scan.pdf": b"%PDF-old"}


def test_a_backup_never_writes_into_a_directory_that_holds_something(transactional_db, media, tmp_path):
    directory = tmp_path / "used"
    directory.mkdir()
    (directory / "manifest.json").write_text("{}")

    with pytest.raises(CommandError, match="不是空的"):
        call_command("backup", str(directory))

    assert [p.name for p in directory.iterdir()] == ["manifest.json"]
