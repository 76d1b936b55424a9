"""Logging filters.

A refused or missing page (403, 404) is the visitor's mistake or a probe, not the server's: Django logs
it on `django.request` with the exception's traceback attached (`Forbidden (Permission denied): /x`,
`Not Found: /x`). The traceback says nothing an operator needs and buries real errors, so these records
keep their one line and lose the traceback; every 5xx keeps its traceback.
"""

from __future__ import annotations

import logging

ONE_LINE_STATUSES = frozenset({403, 404})


class ClientErrorsOnOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in ONE_LINE_STATUSES:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
