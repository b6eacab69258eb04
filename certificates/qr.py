"""QR codes for certificates (segno: pure Python, no image library needed)."""

from __future__ import annotations

import segno


def qr_png_data_uri(text: str, *, scale: int = 4) -> str:
    # Error correction M survives a worn or slightly smudged print; the link is a few hundred
    # characters, well within a version-12 code.
    return segno.make_qr(text, error="m").png_data_uri(scale=scale, border=2)


def qr_svg_inline(text: str, *, scale: int = 3) -> str:
    return segno.make_qr(text, error="m").svg_inline(scale=scale, border=2)
