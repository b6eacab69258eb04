"""Backup and restore of the database and the stored files (issue 13 §17; docs/operations.md).

A backup is a directory:

    manifest.json      what is in it, signed (see below)
    database.dump      PostgreSQL: `pg_dump --format=custom`
    database.sqlite3   SQLite: a copy made with the online backup API
    media/<name>       every file of the default storage, under its storage name

The manifest gives the SHA-256 and size of every part, the engine, the time it was taken, the
schema version (the latest applied migration of each app), the row count and a checksum of every
table, and a fingerprint of each field-encryption key: an HMAC of a fixed string under the key,
which tells whether a key is the one without revealing it. Keys are never in the backup: a dump
holds ID numbers and phones only as ciphertext, and without the key it is useless to a thief and
to us alike. The manifest is signed with an HMAC under a key derived from FIELD_ENCRYPTION_KEY, so
a part changed together with its hash in the manifest is caught too.

Files are read and written through the storage API (`default_storage`), not by copying
MEDIA_ROOT, so the same commands work when object storage replaces the disk.

`restore()` checks everything before it writes anything: the manifest's signature and every
part's hash (and that there is no part the manifest does not name), the engine, the key, that this
code knows the backup's migrations, and that the target database and the storage are empty. Then
it loads the database (`pg_restore --no-owner` in one transaction; the backup API on SQLite), then
the files, and finally compares every table's row count and checksum with the manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024

FINGERPRINT_MESSAGE = b"chuancheng/backup/key-fingerprint"
SIGNATURE_PURPOSE = b"chuancheng/backup/manifest-signature"


class BackupError(Exception):
    """A refusal, with the reason in words an operator can act on."""


# --- keys -----------------------------------------------------------------------------------------


def _keys() -> list[str]:
    return [k.strip() for k in (settings.FIELD_ENCRYPTION_KEY or "").split(",") if k.strip()]


def key_fingerprint(key: str) -> str:
    return hmac.new(key.encode(), FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def _sign(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    signing_key = hmac.new(_keys()[0].encode(), SIGNATURE_PURPOSE, hashlib.sha256).digest()
    return hmac.new(signing_key, canonical, hashlib.sha256).hexdigest()


# --- checksums --------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _plain(value):
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def table_names(raw, vendor: str) -> list[str]:
    """The tables of a DB-API connection's database (current schema on PostgreSQL)."""
    if vendor == "postgresql":
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    cursor = raw.cursor()
    cursor.execute(sql)
    names = [row[0] for row in cursor.fetchall()]
    cursor.close()
    return names


def table_checksums(raw, vendor: str) -> dict[str, dict]:
    """{table: {"rows": n, "checksum": hex}} for every table, read through a DB-API connection.

    The checksum is the sum modulo 2**256 of the SHA-256 of each row's values: independent of row
    order (neither engine promises one) and read in one pass without holding a table in memory.
    On PostgreSQL the caller's transaction (a snapshot) is used; times are read in UTC."""
    result = {}
    if vendor == "postgresql":
        raw.execute("SET TIME ZONE 'UTC'")
    for table in table_names(raw, vendor):
        if vendor == "postgresql":
            cursor = raw.cursor(name=f"checksum_{table}"[:63])
        else:
            cursor = raw.cursor()
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT * FROM {quoted}")
        rows, total = 0, 0
        while batch := cursor.fetchmany(2000):
            for row in batch:
                digest = hashlib.sha256(repr(tuple(_plain(v) for v in row)).encode()).digest()
                total = (total + int.from_bytes(digest, "big")) % (1 << 256)
                rows += 1
        cursor.close()
        result[table] = {"rows": rows, "checksum": f"{total:064x}"}
    return result


def _schema(raw) -> dict[str, str]:
    cursor = raw.cursor()
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        # Migration names start with their number, so the greatest name is the latest.
        if name > latest.get(app, ""):
            latest[app] = name
    cursor.close()
    return dict(sorted(latest.items()))


# --- storage ----------------------------------------------------------------------------------------


def storage_files(storage: Storage = default_storage, path: str = "") -> list[str]:
    """Every file name in the storage, recursively."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [posixpath.join(path, f) if path else f for f in files]
    for directory in directories:
        names += storage_files(storage, posixpath.join(path, directory) if path else directory)
    return sorted(names)


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


# --- engines ----------------------------------------------------------------------------------------


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DUMP:
        raise BackupError(_("不支持的数据库类型：%(vendor)s（仅支持 PostgreSQL 和 SQLite）") % {"vendor": vendor})
    return vendor


def _pg_env(alias: str) -> dict[str, str]:
    """libpq's environment for the connection settings, so that no password is on a command line."""
    params = connections[alias].settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if params.get(key):
            env[var] = str(params[key])
    env["PGDATABASE"] = params["NAME"]
    if params.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = params["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], *, env: dict[str, str]) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise BackupError(
            _("%(program)s 失败（退出码 %(code)s）：%(detail)s")
            % {"program": command[0], "code": completed.returncode, "detail": completed.stderr.strip()[-2000:]}
        )


def _pg_raw(alias: str):
    """A plain psycopg connection with Django's settings. A login role that acts as another
    (settings' DATABASE_ROLE) reads and dumps with that role's grants: Django sets the role on its
    own connections only, so it is set here too."""
    from psycopg import sql as psycopg_sql

    wrapper = connections[alias]
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    if role := wrapper.settings_dict.get("OPTIONS", {}).get("assume_role"):
        with raw.transaction():
            raw.execute(psycopg_sql.SQL("SET ROLE {}").format(psycopg_sql.Identifier(role)))
    return raw


def _dump_postgresql(alias: str, target: Path) -> tuple[dict, dict]:
    """pg_dump from an exported snapshot, with the checksums and schema read in that same snapshot,
    so the manifest describes exactly the rows in the dump while the application keeps writing."""
    raw = _pg_raw(alias)
    role = connections[alias].settings_dict.get("OPTIONS", {}).get("assume_role")
    try:
        raw.autocommit = True
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = table_checksums(raw, "postgresql")
        schema = _schema(raw)
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
            + ([f"--role={role}"] if role else []),
            env=_pg_env(alias),
        )
        raw.execute("COMMIT")
    finally:
        raw.close()
    return tables, schema


def _dump_sqlite(alias: str, target: Path) -> tuple[dict, dict]:
    wrapper = connections[alias]
    if wrapper.in_atomic_block:
        # The copy would wait for this very transaction's lock, for ever.
        raise BackupError(_("备份不能在数据库事务中进行"))
    wrapper.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): the whole database under one read lock, a consistent copy.
        wrapper.connection.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = table_checksums(copy, "sqlite")
        schema = _schema(copy)
    finally:
        copy.close()
    return tables, schema


def _database_is_empty(alias: str) -> bool:
    wrapper = connections[alias]
    with wrapper.cursor() as cursor:
        return not wrapper.introspection.table_names(cursor)


def _load_postgresql(alias: str, dump: Path) -> None:
    # --no-owner: objects belong to the role that restores (the owner role, docs/operations.md);
    # --no-privileges: grants are re-applied from deploy/postgres-roles.sql, not copied from the
    # source server, whose roles may not exist here. One transaction: all of it or nothing.
    connections[alias].close()
    env = _pg_env(alias)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            env["PGDATABASE"],
            str(dump),
        ],
        env=env,
    )


def _load_sqlite(alias: str, dump: Path) -> None:
    wrapper = connections[alias]
    wrapper.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        source.backup(wrapper.connection, pages=-1)
    finally:
        source.close()


def database_checksums(alias: str = "default") -> dict[str, dict]:
    """table_checksums() of a Django database, read through a plain DB-API connection: Django's
    own SQLite connection turns dates and decimals into objects, which would not compare with the
    backup's copy read plainly."""
    wrapper = connections[alias]
    if wrapper.vendor == "postgresql":
        raw = _pg_raw(alias)
        try:
            with raw.transaction():
                return table_checksums(raw, "postgresql")
        finally:
            raw.close()
    if wrapper.is_in_memory_db():
        wrapper.ensure_connection()
        plain = sqlite3.connect(":memory:")
        wrapper.connection.backup(plain, pages=-1)
    else:
        plain = sqlite3.connect(f"file:{wrapper.settings_dict['NAME']}?mode=ro", uri=True)
    try:
        return table_checksums(plain, "sqlite")
    finally:
        plain.close()


# --- backup -----------------------------------------------------------------------------------------


def backup(directory: Path, *, alias: str = "default", storage: Storage = default_storage) -> dict:
    """Write a backup into `directory` (new or empty) and return its manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(_("备份目录 %(dir)s 不是空的：每次备份请用一个新目录") % {"dir": directory})
    if not _keys():
        raise BackupError(_("FIELD_ENCRYPTION_KEY 未设置，无法为备份生成密钥指纹"))
    vendor = _vendor(alias)
    directory.mkdir(parents=True, exist_ok=True)

    dump = directory / DUMP[vendor]
    tables, schema = (_dump_postgresql if vendor == "postgresql" else _dump_sqlite)(alias, dump)

    media = []
    for name in storage_files(storage):
        target = directory / MEDIA_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        media.append({"name": name, "sha256": _sha256_file(target), "bytes": target.stat().st_size})

    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "engine": vendor,
        "schema": schema,
        "key_fingerprints": [key_fingerprint(k) for k in _keys()],
        "database": {"path": dump.name, "sha256": _sha256_file(dump), "bytes": dump.stat().st_size},
        "tables": tables,
        "media": media,
    }
    manifest["signature"] = _sign(manifest)
    # The manifest last: a directory without one is an interrupted backup, never mistaken for whole.
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


# --- restore ----------------------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict
    tables: int
    rows: int
    files: int


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(_("%(dir)s 中没有 manifest.json：不是完整的备份") % {"dir": directory})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(_("manifest.json 无法解析：备份已损坏")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("manifest.json 的格式版本不是 %(format)s：无法恢复") % {"format": FORMAT})
    return manifest


def verify(directory: Path, *, alias: str = "default") -> dict:
    """Every check restore() makes before writing, in order; returns the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)

    fingerprints = manifest.get("key_fingerprints") or []
    current = [key_fingerprint(k) for k in _keys()]
    # The first key makes the look-up hashes and signs the manifest: it must be the same. Every
    # other key the backup was read with must be present too, or some ciphertext is unreadable.
    if not current or not fingerprints or fingerprints[0] != current[0] or not set(fingerprints) <= set(current):
        raise BackupError(
            _(
                "当前的 FIELD_ENCRYPTION_KEY 与备份时的密钥不一致：恢复后加密的身份证号和手机号将无法读取。"
                "请使用备份时的密钥（见 docs/operations.md“密钥存放”）"
            )
        )
    if not hmac.compare_digest(str(manifest.get("signature", "")), _sign(manifest)):
        raise BackupError(_("manifest.json 的签名不符：清单被改动过，拒绝恢复"))

    database = manifest["database"]
    parts = [(database["path"], database)] + [(f"{MEDIA_DIR}/{m['name']}", m) for m in manifest["media"]]
    for relative, part in parts:
        if not _safe_name(relative):
            raise BackupError(_("备份中的文件名不合法：%(name)s") % {"name": relative})
        path = directory / relative
        if not path.is_file():
            raise BackupError(_("备份缺少文件：%(name)s") % {"name": relative})
        if path.stat().st_size != part["bytes"] or _sha256_file(path) != part["sha256"]:
            raise BackupError(_("备份文件 %(name)s 的 SHA-256 与清单不符：文件被改动或已损坏") % {"name": relative})
    listed = {relative for relative, _part in parts} | {MANIFEST}
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    if unlisted := sorted(present - listed):
        raise BackupError(_("备份中有清单未列出的文件：%(names)s") % {"names": "、".join(unlisted[:5])})

    vendor = _vendor(alias)
    if manifest.get("engine") != vendor:
        raise BackupError(
            _("备份来自 %(backup)s 数据库，当前数据库是 %(current)s：不能跨数据库类型恢复")
            % {"backup": manifest.get("engine"), "current": vendor}
        )

    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, name in manifest["schema"].items():
        if (app, name) not in known:
            raise BackupError(
                _("备份的数据库结构（%(app)s 的迁移 %(name)s）是当前代码不认识的版本：请先部署备份时的代码版本")
                % {"app": app, "name": name}
            )
    return manifest


def restore(directory: Path, *, alias: str = "default", storage: Storage = default_storage) -> Restored:
    """Restore a backup into an empty database and an empty storage."""
    directory = Path(directory)
    manifest = verify(directory, alias=alias)
    if not _database_is_empty(alias):
        raise BackupError(
            _("目标数据库 %(name)s 不是空的：恢复只写入空数据库，请新建一个空数据库后再恢复")
            % {"name": connections[alias].settings_dict["NAME"]}
        )
    if existing := storage_files(storage):
        raise BackupError(
            _("目标文件存储（MEDIA_ROOT %(root)s）不是空的（已有 %(count)s 个文件）：恢复只写入空的文件存储")
            % {"root": getattr(storage, "location", ""), "count": len(existing)}
        )

    dump = directory / manifest["database"]["path"]
    (_load_postgresql if manifest["engine"] == "postgresql" else _load_sqlite)(alias, dump)

    for entry in manifest["media"]:
        with open(directory / MEDIA_DIR / entry["name"], "rb") as handle:
            saved = storage.save(entry["name"], File(handle))
        if saved != entry["name"]:
            raise BackupError(
                _("文件 %(name)s 被存为 %(saved)s：存储不是空的？") % {"name": entry["name"], "saved": saved}
            )

    tables = database_checksums(alias)
    if tables != manifest["tables"]:
        differing = sorted(
            name for name in set(tables) | set(manifest["tables"]) if tables.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(_("恢复后的数据与备份清单不符（表：%(tables)s）") % {"tables": "、".join(differing[:10])})
    return Restored(
        manifest=manifest,
        tables=len(tables),
        rows=sum(t["rows"] for t in tables.values()),
        files=len(manifest["media"]),
    )
