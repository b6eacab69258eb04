"""Formula injection (issue 13 §5) in what the techniques app writes: the list export and the
declaration template. A declaration named =HYPERLINK(...) is shown in the clerk's Excel, never
turned into a link; the region code stays the text it is."""

import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from accounts.models import Region
from chuancheng.test import declaration_for
from techniques.models import Term
from techniques.spreadsheets import LISTS_SHEET

EVIL = '=HYPERLINK("http://evil","x")'


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _content(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_list_export_shows_formula_text_instead_of_evaluating_it(world, client_for):
    village = Region.objects.get(code="140802001001")
    declaration_for(
        world.sun,
        village,
        name=EVIL,
        indications_free="+1+1",
        channel="offline",
        entered_org=world.yanhu_health,
        management_class="@SUM(A1)",
    )
    data = _content(client_for("sun").get("/techniques/export.xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    row = [cell for cell in sheet[2]]
    assert row[1].value == "'" + EVIL and row[1].data_type == "s"
    assert row[11].value == "'+1+1" and row[16].value == "'@SUM(A1)"
    assert row[3].value == "140802001001" and row[3].data_type == "s"
    assert not any(c.data_type == "f" for line in sheet.iter_rows() for c in line)
    values = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet.title).to_python()
    assert values[1][1] == "'" + EVIL


def test_the_template_lists_a_vocabulary_term_as_text(world, client_for):
    Term.objects.create(vocabulary="category", name="-其他手法-")
    data = _content(client_for("sun").get("/techniques/import/template.xlsx"))
    lists = openpyxl.load_workbook(io.BytesIO(data))[LISTS_SHEET]
    cells = [c for line in lists.iter_rows() for c in line if c.value == "'-其他手法-"]
    assert cells and cells[0].data_type == "s"
