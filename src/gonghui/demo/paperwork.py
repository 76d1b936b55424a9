"""The papers behind the demo's money: hospital invoices, settlement statements, discharge
summaries and payment vouchers, drawn as small one-page PDFs (gonghui.printing.sheet) so every
paid claim and paid grant in the demo has the documents an auditor would ask for.

Without the Chinese font (gonghui.printing.sheet.FontMissing) there are no papers: `paper`
answers None and the demo goes on without them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.printing.sheet import FontMissing, grid, label, note, render, value


def paper(title: str, rows: Sequence[tuple[str, object]], *, filename: str) -> SimpleUploadedFile | None:
    """A one-page PDF: the title and a grid of label → value rows, marked as a demo document."""
    try:
        content = render(
            title=title,
            blocks=[
                grid([[label(k), value(v)] for k, v in rows], (40, 138)),
                note("（演示数据，非真实票据）"),
            ],
        )
    except FontMissing:
        return None
    return SimpleUploadedFile(filename, content, content_type="application/pdf")
