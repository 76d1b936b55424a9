"""Backing up and restoring the database and the uploaded files (`gonghui backup` / `gonghui restore`).

One archive (an uncompressed tar) holds three parts:

* `database.dump` (PostgreSQL, `pg_dump -Fc`: one consistent snapshot) or `database.sqlite3`
  (SQLite, the sqlite3 online backup API: consistent while the app keeps writing);
* `files.tar.gz`: the uploaded files (MEDIA_ROOT: rights evidence, vouchers, claim documents,
  visit photos) and the import error reports (DATA_DIR/reports);
* `manifest.json`: format, Gonghui version, time, database vendor, rows per table, the sha256
  and size of each part, and a few encrypted ID numbers with their keyed hashes (the key check).

The keys (GONGHUI_SECRET_KEY, GONGHUI_PII_KEY, and the generated secret.key / pii.key of the
embedded default) are never in it: an archive without them reveals no ID number, and they are
kept apart (docs/operations.md). Restore checks every part's sha256, refuses a database that
already holds tables, and refuses before changing anything when the current PII key cannot
decrypt the sampled ID numbers (the archive was made under another key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui import __version__

from . import pii

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files.tar.gz"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
KEY_SAMPLE = 5  # encrypted ID numbers carried in the manifest to check the key on restore
ENCRYPTED_COLUMN, HASH_COLUMN = "id_number_encrypted", "id_number_hash"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class FileRoot:
    name: str  # the folder's name inside files.tar.gz
    path: Path


def file_roots() -> list[FileRoot]:
    """What holds uploaded files and reports. Not the keys, the SQLite file (its own part), the
    static files (built by collectstatic) or imports/ (uploads of running imports: transient)."""
    return [FileRoot("media", Path(settings.MEDIA_ROOT)), FileRoot("reports", Path(settings.DATA_DIR) / "reports")]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_url() -> tuple[dict[str, str], str]:
    """libpq settings for pg_dump / pg_restore from Django's, the password in the environment."""
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env.update({"PGHOST": str(db.get("HOST") or ""), "PGPORT": str(db.get("PORT") or ""), "PGUSER": str(db["USER"])})
    return env, str(db["NAME"])


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(_("找不到 %(tool)s：请安装 PostgreSQL 客户端") % {"tool": name})


def table_counts(using=None) -> dict[str, int]:
    """Rows in every table of the database (Django's own tables included)."""
    conn = using or connection
    qn = conn.ops.quote_name
    counts = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608 - a table name from introspection
            counts[table] = cursor.fetchone()[0]
    return counts


def _key_sample() -> list[dict[str, str]]:
    """A few encrypted ID numbers with their keyed hashes, from every table that keeps them."""
    sample: list[dict[str, str]] = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
            if not {ENCRYPTED_COLUMN, HASH_COLUMN} <= columns:
                continue
            cursor.execute(
                f"SELECT {qn(ENCRYPTED_COLUMN)}, {qn(HASH_COLUMN)} FROM {qn(table)} "  # noqa: S608 - names from introspection
                f"WHERE {qn(ENCRYPTED_COLUMN)} <> '' ORDER BY 1 LIMIT %s",
                [KEY_SAMPLE - len(sample)],
            )
            sample += [{"table": table, "encrypted": enc, "hash": mac} for enc, mac in cursor.fetchall()]
            if len(sample) >= KEY_SAMPLE:
                break
    return sample


def _dump_database(folder: Path) -> Path:
    if connection.vendor == "postgresql":
        env, name = _pg_env_and_url()
        target = folder / PG_DUMP
        # One snapshot of the whole database; owners and grants are the restoring side's business.
        cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "--file", str(target), name]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if done.returncode != 0:
            raise BackupError(_("pg_dump 失败：%(error)s") % {"error": done.stderr.strip()[-500:]})
        return target
    if connection.vendor == "sqlite":
        target = folder / SQLITE_DUMP
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)  # page by page, consistent with concurrent writers
        finally:
            destination.close()
        return target
    raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": connection.vendor})


def _pack_files(folder: Path) -> tuple[Path, dict[str, str]]:
    """files.tar.gz and the sha256 of every file in it (by its name in the archive)."""
    target = folder / FILES
    hashes: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as tar:
        for root in file_roots():
            if not root.path.is_dir():
                continue
            for path in sorted(p for p in root.path.rglob("*") if p.is_file() and not p.is_symlink()):
                name = f"{root.name}/{path.relative_to(root.path).as_posix()}"
                hashes[name] = _sha256(path)
                tar.add(path, arcname=name, recursive=False)
    return target, hashes


def backup_create(*, destination: Path) -> Path:
    """Write a backup archive into `destination` (a folder, or the archive's file name); its path."""
    destination = Path(destination)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    archive = destination if destination.suffix == ".tar" else destination / f"gonghui-backup-{stamp}.tar"
    archive.parent.mkdir(parents=True, exist_ok=True)
    if archive.exists():
        raise BackupError(_("备份文件已存在：%(path)s") % {"path": archive})
    with tempfile.TemporaryDirectory(prefix="gonghui-backup-", dir=archive.parent) as work:
        folder = Path(work)
        counts = table_counts()
        database = _dump_database(folder)
        files, file_hashes = _pack_files(folder)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "gonghui_version": __version__,
            "created_at": timezone.now().isoformat(),
            "vendor": connection.vendor,
            "tables": counts,
            "parts": {part.name: {"sha256": _sha256(part), "bytes": part.stat().st_size} for part in (database, files)},
            "files": file_hashes,
            "key_check": _key_sample(),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            for name in (MANIFEST, database.name, FILES):
                tar.add(folder / name, arcname=name)
        partial.chmod(0o600)  # encrypted or not, it is the whole roll
        partial.rename(archive)
    return archive


# -- restore ------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(_("不是 Gonghui 备份文件：%(path)s（%(error)s）") % {"path": archive, "error": exc}) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("备份格式 %(format)s 不受支持") % {"format": manifest.get("format")})
    return manifest


def check_key(manifest: dict[str, Any]) -> None:
    """Refuse unless the current PII key decrypts the sampled ID numbers to their keyed hashes."""
    for item in manifest.get("key_check", []):
        try:
            plain = pii.decrypt(item["encrypted"])
        except Exception as exc:
            raise BackupError(
                _("当前的 GONGHUI_PII_KEY 无法解密备份中的证件号码：请设置做备份时使用的密钥后再恢复（未做任何更改）")
            ) from exc
        if pii.keyed_hash(plain) != item["hash"]:
            raise BackupError(
                _(
                    "当前的 GONGHUI_PII_KEY 与备份不符（证件号码的校验值不同）：请设置做备份时使用的密钥后再恢复（未做任何更改）"
                )
            )


def _extract(archive: Path, folder: Path, manifest: dict[str, Any]) -> dict[str, Path]:
    parts = {}
    with tarfile.open(archive, "r") as tar:
        for name, facts in manifest["parts"].items():
            if "/" in name or name.startswith("."):
                raise BackupError(_("备份文件中的名称无效：%(name)s") % {"name": name})
            member = tar.extractfile(name)
            if member is None:
                raise BackupError(_("备份文件缺少 %(name)s") % {"name": name})
            target = folder / name
            with target.open("wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
            if _sha256(target) != facts["sha256"]:
                raise BackupError(_("备份文件已损坏：%(name)s 的 sha256 不符") % {"name": name})
            parts[name] = target
    return parts


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_database(parts: dict[str, Path], vendor: str) -> None:
    if vendor != connection.vendor:
        raise BackupError(
            _("备份来自 %(source)s 数据库，不能恢复到 %(target)s 数据库")
            % {"source": vendor, "target": connection.vendor}
        )
    if vendor == "postgresql":
        env, name = _pg_env_and_url()
        cmd = [_pg_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
        cmd += ["--dbname", name, str(parts[PG_DUMP])]
        connections.close_all()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
        if done.returncode != 0:
            raise BackupError(_("pg_restore 失败：%(error)s") % {"error": done.stderr.strip()[-500:]})
        return
    source = sqlite3.connect(parts[SQLITE_DUMP])
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()
    connections.close_all()


def _restore_files(parts: dict[str, Path], manifest: dict[str, Any]) -> int:
    roots = {root.name: root.path for root in file_roots()}
    restored = 0
    with tarfile.open(parts[FILES], "r:gz") as tar:
        for member in tar.getmembers():
            root_name, _sep, relative = member.name.partition("/")
            if not member.isfile() or root_name not in roots or member.name not in manifest["files"]:
                raise BackupError(_("备份文件中的名称无效：%(name)s") % {"name": member.name})
            target = (roots[root_name] / relative).resolve()
            if roots[root_name].resolve() not in target.parents:
                raise BackupError(_("备份文件中的名称无效：%(name)s") % {"name": member.name})
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file, checked above
            with target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            if _sha256(target) != manifest["files"][member.name]:
                raise BackupError(_("备份文件已损坏：%(name)s 的 sha256 不符") % {"name": member.name})
            restored += 1
    return restored


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    files: int
    counts: dict[str, int]


def backup_restore(*, archive: Path) -> RestoreResult:
    """Restore an archive into this (empty) database and its files into the data dir.

    Checks first, changing nothing when one fails: the archive's parts (sha256), the PII key,
    an empty database of the same kind. Then the rows and the files, then their counts.
    """
    archive = Path(archive)
    manifest = read_manifest(archive)
    check_key(manifest)
    if not _database_is_empty():
        raise BackupError(_("目标数据库不是空的：请恢复到新建的空数据库（PostgreSQL: createdb；SQLite: 新的数据目录）"))
    with tempfile.TemporaryDirectory(prefix="gonghui-restore-") as work:
        parts = _extract(archive, Path(work), manifest)
        _restore_database(parts, manifest["vendor"])
        files = _restore_files(parts, manifest)
    counts = table_counts()
    if counts != manifest["tables"]:
        differing = sorted(
            t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t)
        )
        raise BackupError(_("恢复后的行数与备份不符：%(tables)s") % {"tables": ", ".join(differing)})
    return RestoreResult(manifest=manifest, files=files, counts=counts)


def describe(manifest: dict[str, Any]) -> str:
    created = dt.datetime.fromisoformat(manifest["created_at"])
    rows = sum(manifest["tables"].values())
    return _("Gonghui %(version)s，%(vendor)s，%(time)s，%(tables)s 张表 %(rows)s 行，%(files)s 个文件") % {
        "version": manifest["gonghui_version"],
        "vendor": manifest["vendor"],
        "time": timezone.localtime(created).strftime("%Y-%m-%d %H:%M:%S"),
        "tables": len(manifest["tables"]),
        "rows": rows,
        "files": len(manifest["files"]),
    }
