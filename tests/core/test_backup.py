"""Backup and restore (issue 15, part 12): `gonghui backup` / `gonghui restore`.

The backup is made from the test database with data written through the services (an uploaded
evidence file among it); the restore runs as the CLI would, in a subprocess, into an EMPTY
database (a fresh SQLite file; on PostgreSQL a freshly created database) and a fresh data dir.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from gonghui.core import pii
from gonghui.core.backup import MANIFEST, BackupError, backup_restore, table_counts
from gonghui.members.models import Member
from gonghui.members.services import member_create
from gonghui.rights import services as rights_services
from tests.conftest import id_number, member_data
from tests.rights.rights_support import PDF, file, member_worker, upload

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _gonghui(args: list[str], *, database_url: str, data_dir: Path, pii_key: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "GONGHUI_DATA_DIR": str(data_dir),
            "GONGHUI_PII_KEY": pii_key,
            "GONGHUI_SECRET_KEY": "restore-test-secret",
            "PYTHONPATH": str(ROOT / "src"),
            "GONGHUI_LOG_LEVEL": "WARNING",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "gonghui", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def empty_database(tmp_path):
    """A URL of an empty database of the test database's kind, and a way to read it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda sql: sqlite3.connect(path).execute(sql).fetchall()
        return
    db = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"

    def query(sql):
        with psycopg.connect(dbname=name, **admin) as conn:
            return conn.execute(sql).fetchall()

    yield url, query
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def populated(tree, settings, tmp_path):
    """Two members (encrypted ID numbers) and a rights request with an uploaded evidence file, in a
    data dir of the test's own (the suite's holds other tests' reports)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.DATA_DIR / "media"
    first = member_create(actor=tree.officer_a, data=member_data(tree.union_a1, seq=21))
    member_create(actor=tree.officer_a, data=member_data(tree.union_a2, seq=22, name="李四"))
    worker, _ = member_worker(tree, tree.union_a1)
    request = file(worker)
    evidence = rights_services.request_attach_worker(
        worker=worker, request=request, upload=upload("工资条.pdf", PDF + b"evidence-1")
    )
    return first, Path(evidence.file.path)


def test_a_backup_restores_into_an_empty_database_with_every_record_and_file(populated, tmp_path, empty_database):
    member, evidence = populated
    url, query = empty_database
    counts = table_counts()

    # when the operator backs up
    call_command("backup", str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("gonghui-backup-*.tar")

    # then the archive holds the parts and a manifest, and no key
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile(MANIFEST).read())
        everything = b"".join(tar.extractfile(n).read() for n in names)
    dump = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert names == sorted([MANIFEST, dump, "files.tar.gz"])
    assert manifest["tables"] == counts
    assert manifest["vendor"] == connection.vendor
    assert settings.PII_KEY.encode() not in everything
    assert settings.SECRET_KEY.encode() not in everything
    stored = f"media/{evidence.relative_to(settings.MEDIA_ROOT).as_posix()}"
    assert manifest["files"] == {stored: _sha256(evidence)}

    # when it is restored into an empty database and a fresh data dir, under the same PII key
    restored_dir = tmp_path / "restored-data"
    done = _gonghui(["restore", str(archive)], database_url=url, data_dir=restored_dir, pii_key=settings.PII_KEY)

    # then every table has its rows, the ID numbers decrypt, and every file is there, unchanged
    assert done.returncode == 0, done.stdout + done.stderr
    for table, count in counts.items():
        assert query(f'SELECT COUNT(*) FROM "{table}"') == [(count,)], table  # noqa: S608 - names from introspection
    (encrypted,) = query(f"SELECT id_number_encrypted FROM members_member WHERE id = {member.pk}")[0]  # noqa: S608
    assert pii.decrypt(encrypted) == id_number(21)
    restored = restored_dir / "media" / evidence.relative_to(settings.MEDIA_ROOT)
    assert _sha256(restored) == _sha256(evidence)
    assert not (restored_dir / "pii.key").exists() or (restored_dir / "pii.key").read_text() != settings.PII_KEY

    # and the restored app serves them (checks pass against the restored schema)
    check = _gonghui(["migrate", "--check"], database_url=url, data_dir=restored_dir, pii_key=settings.PII_KEY)
    assert check.returncode == 0, check.stdout + check.stderr


def test_restore_refuses_another_pii_key_and_changes_nothing(populated, tmp_path, empty_database):
    url, query = empty_database
    call_command("backup", str(tmp_path / "b.tar"))

    done = _gonghui(
        ["restore", str(tmp_path / "b.tar")], database_url=url, data_dir=tmp_path / "d", pii_key="not-the-key-of-it"
    )

    assert done.returncode != 0
    assert "GONGHUI_PII_KEY" in done.stderr
    assert "未做任何更改" in done.stderr
    tables = (
        "sqlite_master WHERE type = 'table'"
        if connection.vendor == "sqlite"
        else "pg_tables WHERE schemaname = 'public'"
    )
    assert query(f"SELECT COUNT(*) FROM {tables}") == [(0,)]  # noqa: S608 - fixed text
    assert not (tmp_path / "d" / "media").exists()


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(populated, tmp_path):
    call_command("backup", str(tmp_path / "b.tar"))
    Member.objects.filter(pk=populated[0].pk).update(name="王五")
    counts = table_counts()

    with pytest.raises(BackupError, match="目标数据库不是空的"):
        backup_restore(archive=tmp_path / "b.tar")

    assert table_counts() == counts
    assert Member.objects.get(pk=populated[0].pk).name == "王五"


def test_restore_refuses_a_damaged_archive(populated, tmp_path, empty_database):
    url, query = empty_database
    call_command("backup", str(tmp_path / "b.tar"))
    with tarfile.open(tmp_path / "b.tar") as tar, tarfile.open(tmp_path / "bad.tar", "w") as bad:
        for member in tar.getmembers():
            content = tar.extractfile(member).read()
            if member.name == "files.tar.gz":
                content = content[:-1] + bytes([content[-1] ^ 0xFF])  # one bit of the files flipped
            bad.addfile(member, io.BytesIO(content))

    done = _gonghui(
        ["restore", str(tmp_path / "bad.tar")], database_url=url, data_dir=tmp_path / "d", pii_key=settings.PII_KEY
    )

    assert done.returncode != 0
    assert "files.tar.gz 的 sha256 不符" in done.stderr
    tables = (
        "sqlite_master WHERE type = 'table'"
        if connection.vendor == "sqlite"
        else "pg_tables WHERE schemaname = 'public'"
    )
    assert query(f"SELECT COUNT(*) FROM {tables}") == [(0,)]  # noqa: S608 - fixed text
