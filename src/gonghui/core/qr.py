"""QR codes as inline SVG (segno): invite links and member cards render without image files."""

from __future__ import annotations

import io
import re

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, scale: int = 4, title: str = "") -> SafeString:
    """An <svg> element encoding `data` (error correction M, quiet zone kept for phone scanners)."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        buffer,
        kind="svg",
        scale=scale,
        xmldecl=False,
        svgns=True,
        title=title or None,
        svgclass="gh-qr",
        lineclass=None,
    )
    svg = buffer.getvalue().decode()
    # A viewBox lets CSS scale the code to the screen instead of cropping it.
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    if size:
        svg = svg.replace("<svg ", f'<svg viewBox="0 0 {size[1]} {size[2]}" ', 1)
    return mark_safe(svg)  # noqa: S308 — segno's own SVG, data is encoded not echoed
