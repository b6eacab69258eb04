"""Formula injection (issue 13 §5) in the pricing workbook for the insurance bureau: a rationale or
a technique name typed as a formula is shown, the factors and prices stay numbers."""

import io

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from evaluations import outcomes
from evaluations.tests.factories import finalized_evaluation
from techniques.models import Technique

EVIL = '=HYPERLINK("http://evil","x")'


def test_the_pricing_workbook_neutralises_text_and_keeps_numbers(world, client_for):
    evaluation, _ = finalized_evaluation(world)
    Technique.objects.filter(pk=evaluation.technique_id).update(name="+1+1")
    outcomes.pricing_record(
        actor=world.yang,
        evaluation=evaluation,
        clinical_value=80,
        patient_recognition=90,
        labour_value=70,
        reference_price="45",
        outpatient=True,
        rationale=EVIL,
    )
    response = client_for("yang").get("/evaluations/pricing/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = list(sheet[2])
    assert (row[1].value, row[1].data_type) == ("'+1+1", "s")
    assert (row[14].value, row[14].data_type) == ("'" + EVIL, "s")
    assert (row[5].value, row[5].data_type) == (80, "n") and row[10].value == 54.0 and row[10].data_type == "n"
    values = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name(sheet.title).to_python()
    assert values[1][14] == "'" + EVIL and values[1][10] == 54.0
