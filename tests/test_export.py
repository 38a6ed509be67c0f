"""CSV downloads neutralise spreadsheet formulas."""

import pandas as pd

from issue_core.export import neutralise_formulas, to_csv


def test_cells_starting_like_a_formula_are_escaped():
    frame = pd.DataFrame({"site": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Dubrucq"],
                          "units": [1, 2, -3, 4, 5, 6, 7]})
    safe = neutralise_formulas(frame)
    assert list(safe["site"]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "Dubrucq"]
    assert list(safe["units"]) == [1, 2, -3, 4, 5, 6, 7]  # numbers stay numbers


def test_csv_is_utf8_with_bom_and_escaped_headers():
    data = to_csv(pd.DataFrame({"=cmd": ["Trèfles"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["'=cmd", "Trèfles"]


def test_xlsx_has_one_formatted_sheet_per_frame_and_no_formula():
    from datetime import date, datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from issue_core.export import to_xlsx

    data = to_xlsx({
        "Sites/units": pd.DataFrame({"site": ['=HYPERLINK("x")', "Dubrucq", None], "units": [3, 4, 5],
                                     "since": [date(2026, 3, 1), None, date(2026, 11, 23)]}),
        "Vide": pd.DataFrame({"n": []}),
    })
    workbook = load_workbook(BytesIO(data))
    assert workbook.sheetnames == ["Sites units", "Vide"]  # "/" is not allowed in a sheet name
    sheet = workbook["Sites units"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["site", "units", "since"],
        ["'=HYPERLINK(\"x\")", 3, datetime(2026, 3, 1)],
        ["Dubrucq", 4, None],
        [None, 5, datetime(2026, 11, 23)],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "DD/MM/YYYY"
    assert [[cell.value for cell in row] for row in workbook["Vide"].iter_rows()] == [["n"]]


def test_xlsx_writes_moments_in_brussels_time_with_their_time():
    from datetime import UTC, datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from issue_core.export import to_xlsx

    moment = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 10:30 in Brussels (winter time)
    sheet = load_workbook(BytesIO(to_xlsx({"audit": pd.DataFrame({"at": [moment, pd.Timestamp(moment)]})})))["audit"]
    assert [sheet["A2"].value, sheet["A3"].value] == [datetime(2026, 11, 23, 10, 30)] * 2
    assert sheet["A2"].number_format == "DD/MM/YYYY HH:MM:SS"
