"""Member roll import (会员名单导入): an XLSX or CSV file in, every cell checked, a report out.

Flow: `member_import_start` (page/API) stores the upload and queues a `member_import` job;
`run_member_import` runs it; both it and the CLI call `import_members_file`, which reads the
rows one at a time, validates every cell with `clean_member_input`, finds duplicates inside
the file and against the roll (keyed hash, in batches), and writes the good rows as they pass,
all in one transaction — kept, or rolled back: one bad row rejects the whole file (and stops the
writing at once) unless the officer asked to skip bad rows. Every problem becomes a line of the
error report (row, name, column, value found, reason), and the bad rows a file to fix and import again.

The steps, one module each, in the order a reader follows them:

* `import_vocab` — the columns and every accepted spelling of their values;
* `import_template` — the template officers fill in;
* `import_read` — the file checked, parsed in a limited child process, the header found;
* `import_check` — each row checked and prepared, duplicates judged;
* `import_write` — the good rows written while the rest is checked, in one transaction;
* `import_report` — the error report, the bad rows to fix, the job's summary;

and this module, the import itself and its background job.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gonghui.accounts.permissions import require_write
from gonghui.core.errors import DomainError
from gonghui.core.uploads import UploadRules, check_upload, private_dir, store_private
from gonghui.jobs.models import Job
from gonghui.jobs.runner import dispatch, handles
from gonghui.jobs.services import (
    UPLOADS,
    job_create_limited,
    job_fail,
    job_finish,
    job_progress,
    job_start,
)
from gonghui.orgs.models import Org

from .import_check import (
    POOL_CHUNK,
    _check_row,
    _Checked,
    _CheckerFailed,
    _is_example,
    _RowContext,
    _start_checkers,
    _Validation,
)
from .import_read import ALLOWED_SUFFIXES, HEADER_SEARCH_ROWS, _FileRejected, _find_header, _is_blank, _open_source
from .import_report import (
    BAD_ROWS_EXPORT,
    ERROR_REPORT_EXPORT,
    BadRows,
    ErrorRow,
    RowError,
    bad_rows_path,
    job_summary,
    write_bad_rows,
    write_error_report,
)
from .import_template import EXAMPLE_ROW, TEMPLATE_EXPORT, import_template_xlsx
from .import_vocab import FIELD_HEADERS, HEADER_FIELDS, IMPORT_HEADERS, REQUIRED_HEADERS
from .import_write import WRITE_BATCH, _sqlite_bulk_cache, _Writer
from .services import _member_holding_org

__all__ = [
    "ALLOWED_SUFFIXES",
    "BAD_ROWS_EXPORT",
    "ERROR_REPORT_EXPORT",
    "EXAMPLE_ROW",
    "FIELD_HEADERS",
    "HEADER_FIELDS",
    "HEADER_SEARCH_ROWS",
    "IMPORT_HEADERS",
    "REQUIRED_HEADERS",
    "TEMPLATE_EXPORT",
    "WRITE_BATCH",
    "ErrorRow",
    "ImportResult",
    "RowError",
    "_CheckerFailed",
    "_Writer",
    "_sqlite_bulk_cache",
    "import_members_file",
    "import_template_xlsx",
    "member_import_start",
    "run_member_import",
    "write_error_report",
]


VALIDATE_PROGRESS_EVERY = 500

ProgressCallback = Callable[..., None]  # called as on_progress(phase=, processed=, total=, progress=)


@dataclass
class ImportResult:
    total: int = 0  # data rows read (blank rows and the template example not counted)
    created: int = 0
    errors: list[ErrorRow] = field(default_factory=list)
    skipped: int = 0  # bad rows left out (only with skip_invalid)
    accepted: bool = False  # False: the file was rejected and nothing was written
    report_path: str | None = None
    bad_rows_path: str | None = None  # the bad rows with their reasons, to fix and import again
    summary: dict[str, Any] = field(default_factory=dict)  # for the job's page and API (import_report.job_summary)
    message: str = ""


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------


def _new_report_path() -> Path:
    return private_dir("reports") / f"import-errors-{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(6)}.xlsx"


# ---------------------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------------------


def import_members_file(
    *,
    actor,
    org: Org,
    path: Path | str,
    skip_invalid: bool,
    report_path: Path | str | None = None,
    on_progress: ProgressCallback | None = None,
    note: str = "",
) -> ImportResult:
    """Import a member list into `org`. Used by the job handler and by the CLI.

    Returns the result; the file is rejected (nothing written, `accepted=False`) when it
    cannot be read, lacks a required column, holds no data, or has any bad row while
    `skip_invalid` is false. Out-of-scope unions raise NotFound, read-only accounts Forbidden.
    """
    require_write(actor)
    org = _member_holding_org(actor=actor, org_id=org.pk)
    path = Path(path)
    note = (note or _("批量导入：%(file)s") % {"file": path.name})[:255]

    def progress(phase: str, processed: int, total: int, percent: int) -> None:
        if on_progress is not None:
            on_progress(phase=phase, processed=processed, total=total, progress=min(percent, 99))

    result = ImportResult()
    progress(_("读取文件"), 0, 0, 0)
    now = timezone.now()
    writer = _Writer(actor=actor, org=org, note=note, now=now, skip_invalid=skip_invalid)
    try:
        try:
            validation = _validate(actor=actor, writer=writer, path=path, result=result, progress=progress)
        except _FileRejected as exc:
            writer.abort()
            result.errors = exc.errors
            result.message = exc.message
            return _finish_rejected(result, report_path)
        return _finish(
            validation=validation, result=result, skip_invalid=skip_invalid, report_path=report_path, progress=progress
        )
    finally:
        writer.abort()  # unless committed: an exception anywhere leaves nothing written


def _finish(
    *, validation: _Validation, result: ImportResult, skip_invalid: bool, report_path: Path | str | None, progress
) -> ImportResult:
    writer = validation.writer

    # Roll duplicates are found a batch later than the row's other errors: report by row.
    result.errors = sorted(validation.errors, key=lambda e: e[0])
    if result.total == 0:
        result.message = _("文件中没有会员数据")
        result.errors = [RowError(0, "", result.message)]
        return _finish_rejected(result, report_path)
    if result.errors and not skip_invalid:
        result.message = _("发现 %(n)d 处错误，未导入任何数据") % {"n": len(result.errors)}
        return _finish_rejected(result, report_path, validation.bad)
    if not writer.rows:
        result.message = _("发现 %(n)d 处错误，所有行均有错误，未导入任何数据") % {"n": len(result.errors)}
        result.skipped = validation.bad_rows
        return _finish_rejected(result, report_path, validation.bad)

    progress(_("写入数据"), result.total, result.total, 80)
    result.created = writer.commit()
    if writer.conflict:
        # Someone registered one of these people while the file was being imported.
        result.message = _("导入期间有人登记了文件中的人员，未导入任何数据，请重新导入以查看详细报告")
        result.errors = [*result.errors, RowError(0, "", result.message)]
        return _finish_rejected(result, report_path)
    result.accepted = True
    result.skipped = validation.bad_rows
    if result.errors:
        _save_reports(result, report_path, validation.bad)
        result.message = _("已导入 %(created)d 名会员，跳过 %(skipped)d 行（共 %(n)d 处错误，见错误报告）") % {
            "created": result.created,
            "skipped": result.skipped,
            "n": len(result.errors),
        }
    else:
        result.message = _("已导入 %(created)d 名会员") % {"created": result.created}
    return result


def _validate(*, actor, writer: _Writer, path: Path, result: ImportResult, progress) -> _Validation:
    source = _open_source(path)
    try:
        rows = iter(source.rows)
        header_row, columns = _find_header(rows)
        validation = _Validation(actor=actor, columns=columns, writer=writer)
        _check_rows(validation, rows, source.estimated_rows - header_row, result, progress)
        return validation
    finally:
        source.close()


def _check_rows(validation: _Validation, rows, estimate: int, result: ImportResult, progress) -> None:
    """Check every data row, in worker processes when the file is large; judge them (and write the
    good ones) in file order."""
    columns = validation.columns
    ctx = _RowContext(
        columns=columns,
        today=timezone.localdate(),
        defaults=validation.writer.defaults,
        iso_dates=connection.vendor != "postgresql",
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    estimate = max(estimate, 1)
    phase = _("校验并写入数据")
    progress(phase, 0, estimate, 5)

    def data_rows() -> Iterator[tuple[int, list[Any]]]:
        for row, cells in rows:
            if all(_is_blank(c) for c in cells):
                continue
            if result.total == 0 and _is_example(cells, columns):
                continue
            result.total += 1
            yield row, cells

    def report(processed: int) -> None:
        nonlocal estimate
        estimate = max(estimate, processed)
        progress(phase, processed, estimate, 5 + 75 * processed // estimate)

    checkers = _start_checkers(ctx, estimate)
    if checkers is None:
        for row, cells in data_rows():
            validation.take(_check_row(row, cells, ctx))
            if result.total % VALIDATE_PROGRESS_EVERY == 0:
                report(result.total)
    else:
        with checkers:
            data = data_rows()
            chunks = iter(lambda: list(itertools.islice(data, POOL_CHUNK)), [])
            processed = 0
            for checked in checkers.results(chunks):
                processed += _take_chunk(validation, checked)
                report(processed)
    validation.flush()
    progress(phase, result.total, result.total, 80)


def _take_chunk(validation: _Validation, checked: list[_Checked]) -> int:
    for item in checked:
        validation.take(item)
    return len(checked)


def _save_reports(result: ImportResult, report_path: Path | str | None, bad: BadRows | None) -> None:
    """The error report, the bad rows to fix (when rows were bad) and the job's summary."""
    target = Path(report_path) if report_path else _new_report_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_error_report(result.errors, target)
    target.chmod(0o600)  # rows, names, values and reasons of a roll: for the service account only
    result.report_path = str(target)
    if bad:
        rows = bad_rows_path(target)
        write_bad_rows(bad, rows)
        rows.chmod(0o600)
        result.bad_rows_path = str(rows)
    result.summary = job_summary(
        result.errors, bad_rows=len(bad) if bad else 0, bad_rows_dropped=bad.dropped if bad else 0
    )


def _finish_rejected(result: ImportResult, report_path: Path | str | None, bad: BadRows | None = None) -> ImportResult:
    result.accepted = False
    result.created = 0
    _save_reports(result, report_path, bad)
    return result


# ---------------------------------------------------------------------------------------
# Upload and background job
# ---------------------------------------------------------------------------------------


def _upload_rules() -> UploadRules:
    # The zip directory is read later, by the limited reading process (core.spreadsheets), not here.
    return UploadRules(
        types={".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".csv": "text/csv"},
        max_bytes=settings.GONGHUI_IMPORT_MAX_BYTES,
        label=".xlsx、.csv",
        type_message=gettext_lazy("只支持 .xlsx 或 .csv 文件"),
        content_message=gettext_lazy("文件内容不是有效的 XLSX 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）"),
        inspect_zip=False,
    )


def member_import_start(*, actor, org: Org | int, filename: str, fileobj, skip_invalid: bool) -> Job:
    """Store an uploaded member list and queue its import for a union in the actor's scope."""
    require_write(actor)
    target = _member_holding_org(actor=actor, org_id=getattr(org, "pk", org))
    checked = check_upload(fileobj, _upload_rules(), name=filename or "")
    name = checked.name
    stored = store_private(fileobj, _upload_rules(), folder=UPLOADS, suffix=checked.ext)
    try:
        job = job_create_limited(
            actor=actor,
            kind=Job.Kind.MEMBER_IMPORT,
            org=target,
            per_account=settings.GONGHUI_IMPORTS_PER_ACCOUNT,
            per_server=settings.GONGHUI_IMPORTS_PER_SERVER,
            params={"skip_invalid": bool(skip_invalid)},
            input_name=name[:255],
            input_path=str(stored),
        )
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    dispatch(job)
    job.refresh_from_db()
    return job


@handles(Job.Kind.MEMBER_IMPORT)
def run_member_import(job: Job) -> None:
    """The background job: import the stored file, record progress, counts and the report."""
    path = Path(job.input_path)
    try:
        job_start(job=job, phase=_("读取文件"))
        actor = job.created_by
        if actor is None:
            job_fail(job=job, message=_("发起导入的账号已不存在"))
            return

        def on_progress(*, phase: str, processed: int, total: int, progress: int) -> None:
            # Reported from inside the import's one transaction: the cache only (see job_progress).
            job_progress(job=job, processed=processed, total=total, phase=phase, progress=progress, row=False)

        try:
            result = import_members_file(
                actor=actor,
                org=job.org,
                path=path,
                skip_invalid=bool(job.params.get("skip_invalid")),
                on_progress=on_progress,
                note=_("批量导入：%(file)s") % {"file": job.input_name},
            )
        except DomainError as exc:
            job_fail(job=job, message=exc.message)
            return
        job.report_path = result.report_path or ""
        job.summary = {**result.summary, "rows_path": result.bad_rows_path or ""} if result.summary else {}
        job_finish(
            job=job,
            succeeded=result.accepted,
            message=result.message,
            total_rows=result.total,
            processed_rows=result.total,
            created_count=result.created,
            error_count=len(result.errors),
            skipped_count=result.skipped,
        )
    finally:
        # The upload holds personal data; it is not kept once the job has run.
        path.unlink(missing_ok=True)
