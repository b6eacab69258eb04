"""Formula injection (issue 13 §5) in the audit CSV: a reason or a name typed as a formula is
written with a leading quote, so Excel and WPS show it instead of evaluating it."""

import csv
import io

from workflow.services import audit_record


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_audit_csv_quotes_text_that_a_spreadsheet_would_evaluate(world, client_for):
    audit_record(
        action="create",
        actor=world.admin,
        obj=world.city_tcm,
        organization=world.city_tcm,
        reason='=HYPERLINK("http://evil","x")',
        from_state="+1+1",
        to_state="@SUM(A1)",
    )
    rows = _csv(client_for("sun").get("/audit/export.csv", {"action": "create"}))
    row = next(r for r in rows[1:] if "HYPERLINK" in r[9])
    assert row[9] == '\'=HYPERLINK("http://evil","x")' and row[7] == "'+1+1" and row[8] == "'@SUM(A1)"
    assert row[0][:2] == "20"  # the time is left as it is
    assert not any(field[:1] in "=+-@\t\r" for r in rows for field in r if field)
