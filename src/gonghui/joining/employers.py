"""How employers compare (for founding prompts, 建会提示): one key per employer.

Below both joining.services (which files a prompt under the key) and joining.selectors (which
lists the members behind a prompt by the same key).
"""

from __future__ import annotations

import re

_NAME_NOISE = re.compile(r"[\s()（）·.,，、]")


def employer_key(name: str, uscc: str) -> str:
    """The USCC when known, else the name without spaces and punctuation."""
    if uscc:
        return uscc.strip().upper()
    return _NAME_NOISE.sub("", name or "").lower()[:128]
