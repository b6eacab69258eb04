"""PDFs embed the CJK font from disk and carry real, extractable Chinese text."""

import subprocess

import pytest
from django.template import engines

from lib import pdf


def test_a_rendered_pdf_embeds_the_chinese_font_and_its_text_can_be_extracted(tmp_path, settings):
    template = tmp_path / "contract.html"
    template.write_text(
        '{% extends "pdf/base.html" %}{% block content %}<h1>师承合同</h1><p>传承人：张德润</p>{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}]
    engines._engines = {}  # the template settings changed; let Django rebuild its engines
    try:
        data = pdf.render_pdf("contract.html")
    finally:
        engines._engines = {}
    out = tmp_path / "contract.pdf"
    out.write_bytes(data)
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "师承合同" in text and "传承人：张德润" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes yes yes " in fonts  # embedded, subset, with a Unicode map


def test_a_missing_font_is_named_in_the_error(settings, monkeypatch):
    settings.PDF_FONT_PATH = "/nonexistent/font.ttc"
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    with pytest.raises(RuntimeError, match="fonts-wqy-microhei"):
        pdf.cjk_font_path()
