"""Where a running job's live figures (rows done, phase, percent) are kept in the cache.

Below both jobs.services (which writes them as the job runs) and jobs.selectors (which lays them
over the job's row while it runs).
"""

from __future__ import annotations


def progress_cache_key(job_id: int) -> str:
    return f"gonghui:job-progress:{job_id}"
