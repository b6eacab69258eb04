"""PDF documents (certificates, contracts, the compendium) rendered by WeasyPrint from Django
templates.

The CJK font is embedded from the file on disk (Debian's fonts-wqy-microhei, installed by `make`),
never fetched: the platform runs on intranets without internet. Templates extend
`pdf/base.html`, which declares the font and the page.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

# The first that exists wins; PDF_FONT_PATH overrides (e.g. a Noto Sans SC file on a server).
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font_path() -> Path:
    configured = getattr(settings, "PDF_FONT_PATH", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        path = Path(candidate)
        if path.exists():
            return path
    raise RuntimeError("找不到中文字体：请安装 fonts-wqy-microhei（make system-packages）或设置 PDF_FONT_PATH")


def render_pdf(template_name: str, context: dict | None = None) -> bytes:
    """Render `template_name` (which extends pdf/base.html) to PDF bytes."""
    from weasyprint import HTML

    html = render_to_string(template_name, {**(context or {}), "cjk_font_url": cjk_font_path().as_uri()})
    # base_url lets templates reach static files (seals, logos) by relative path, never the network.
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
