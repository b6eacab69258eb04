"""Formula injection (issue 13 §5) in the prescription-mining workbook: herb names and the selection
come from imported sheets, so text is written as text; counts and shares stay numbers."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from cases.models import Analysis

EVIL = '=HYPERLINK("http://evil","x")'


def test_the_analysis_workbook_neutralises_imported_text(world, client_for):
    analysis = Analysis.objects.create(
        created_by=world.zhang,
        subject=world.zhang,
        disease=EVIL,
        transactions=4,
        results={
            "frequency": [{"herb": "@SUM(A1)", "count": 3, "share": 0.75}],
            "itemsets": [{"items": ["-甘草", "党参"], "count": 2, "support": 0.5}],
        },
    )
    response = client_for("zhang").get(reverse("cases:analysis-export", args=[analysis.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    parameters = {row[0].value: row[1] for row in book["分析参数"].iter_rows()}
    assert parameters["中医疾病"].value == "'" + EVIL and parameters["中医疾病"].data_type == "s"
    assert parameters["处方数"].value == 4 and parameters["处方数"].data_type == "n"
    frequency = list(book["药物频次"].values)
    assert frequency[1] == ("'@SUM(A1)", 3, 0.75)
    assert list(book["频繁项集"].values)[1][0] == "'-甘草、党参"
