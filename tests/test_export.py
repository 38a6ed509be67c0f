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
