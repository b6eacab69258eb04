"""李明 hands in a "paper" that is a PDF and a web page at once, named x.html; 张医生 opens it in a
real Chromium, and nothing in it runs (issue 13 §1). Before, it was served as text/html from its
name, and its script ran in 张医生's session."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Error, Page, expect

from teaching.models import GraduationItem
from teaching.tests.factories import apprenticeship_for, plan_for
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser

POLYGLOT = (
    b"%PDF-1.4\n"
    b"<html><head><title>paper</title></head><body>"
    b"<script>window.pwned=1; document.title='pwned'</script>"
    b"<iframe srcdoc=\"<script>parent.pwned=1; parent.document.title='pwned'</script>\"></iframe>"
    b"</body></html>\n%%EOF\n"
)


def _nothing_ran(page: Page) -> None:
    assert page.title() != "pwned"
    for frame in page.frames:
        try:
            assert frame.evaluate("typeof window.pwned") == "undefined"
        except Error as exc:
            # A PDF viewer's or a sandboxed frame that cannot be evaluated ran nothing of ours either.
            assert "pwned" not in str(exc)


def test_a_polyglot_handed_in_as_html_never_runs_when_opened(live_world, page: Page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = live_world
    apprenticeship = apprenticeship_for(world)
    plan_for(world, apprenticeship)
    upload = Path(tmp_path / "x.html")
    upload.write_bytes(POLYGLOT)

    sign_in(page, "liming")
    page.goto(reverse("teaching:graduation", args=[apprenticeship.pk]))
    page.get_by_label("材料类别").select_option(label="论文")
    page.get_by_label("标题").fill("醒脑开窍针法治疗中风后偏瘫的临床观察")
    page.get_by_label("附件（PDF、图片或 Word）").set_input_files(str(upload))
    page.get_by_role("button", name="添加材料").click()
    expect(page.locator("#item-table")).to_contain_text("醒脑开窍针法")
    item = GraduationItem.objects.get(graduation__apprenticeship=apprenticeship)
    assert item.file.name.endswith(".pdf") and item.file_type == "application/pdf"

    sign_in(page, "zhang")
    page.goto(reverse("teaching:graduation", args=[apprenticeship.pk]))
    url = reverse("teaching:graduation-item-file", args=[item.pk])
    seen = []
    page.on("response", lambda r: seen.append(r) if r.url.endswith(url) else None)
    try:
        page.goto(url)
    except Error as exc:
        # Headless Chromium saves a PDF instead of showing it: a download runs nothing.
        assert "Download is starting" in str(exc), exc
    page.wait_for_timeout(500)
    _nothing_ran(page)
    assert seen and seen[0].headers["content-type"] == "application/pdf"
    assert seen[0].headers["x-content-type-options"] == "nosniff"

    # Framed in a page of the platform, as a viewer might embed it: still nothing runs.
    page.goto(reverse("teaching:graduation", args=[apprenticeship.pk]))
    page.evaluate("url => { const f = document.createElement('iframe'); f.src = url; document.body.append(f); }", url)
    page.wait_for_timeout(1000)
    _nothing_ran(page)
