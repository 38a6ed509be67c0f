"""The column-at-once formatting and rounding (issue 13: Babel and Decimal for each row took seconds for a long
table) give exactly what the one-value functions give: same texts, same floats, same signs."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from babel.dates import format_date as babel_format_date

from issue_core.i18n import BABEL_LOCALES, LANGUAGES, Translator, format_date, format_money, format_money_each
from issue_core.queries.metrics.contributions import owing_more_than
from issue_core.queries.sql.frames import cents, cents_column, money_sum
from issue_core.ui.figures import money_column


def amounts() -> list:
    generator = random.Random(13)
    values: list = [None, 0, 0.0, -0.0, -0.001, 0.005, 0.015, 2.675, 12.345, 999.995, -999.995, 1e9, 1e12 + 0.125,
                    float("nan"), Decimal("12.345"), Decimal("-0.004"), np.float64(3.1), np.int64(7), 5, -1234567.891]
    values += [k / 1000 for k in range(-3000, 3000)]  # every half cent of the first euros
    values += [round(generator.uniform(-1e6, 1e6), generator.choice([0, 1, 2, 3, 4])) for _ in range(5000)]
    return values


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_column_of_amounts_reads_as_each_amount_alone(language):
    values = amounts()
    assert format_money_each(values, language) == [format_money(value, language) for value in values]


def test_a_column_keeps_its_rows_and_the_layout_of_each_language():
    column = pd.Series([1234.5, -0.001, 50.0], index=[7, 3, 9])
    assert money_column(Translator("fr"), column).to_dict() == {
        7: "1\u202f234,50\xa0€", 3: "-0,00\xa0€", 9: "50,00\xa0€"}
    assert money_column(Translator("nl"), column).tolist() == ["€\xa01.234,50", "€\xa0-0,00", "€\xa050,00"]
    assert money_column(Translator("en"), column).tolist() == ["€1,234.50", "-€0.00", "€50.00"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_read_as_babel_writes_them(language):
    days = [date(1, 1, 1) + timedelta(days=offset) for offset in range(0, 800_000, 97)]
    days += [date(2026, 2, 28), date(2024, 2, 29), date(999, 12, 31)]
    for day in days:
        assert format_date(day, language) == babel_format_date(day, "dd/MM/yyyy", locale=BABEL_LOCALES[language])
    assert format_date(datetime(2026, 3, 4, 23, 59), language) == "04/03/2026"
    assert format_date(pd.Timestamp("2026-11-23"), language) == "23/11/2026"
    assert format_date(None, language) == ""


def test_cents_of_a_column_are_the_cents_of_each_value():
    values = [v for v in amounts() if not isinstance(v, Decimal) and v is not None]
    expected = [float(cents(value)) for value in values]
    got = cents_column(pd.Series(values, dtype="float64"))
    assert all(a == b and math.copysign(1, a) == math.copysign(1, b) for a, b in zip(got, expected, strict=True))
    mixed = pd.Series([Decimal("1.005"), None, 2.5, Decimal("-0.004")], dtype=object)  # PostgreSQL's sums
    assert cents_column(mixed).tolist() == [1.01, 0.0, 2.5, -0.0]
    assert cents_column(pd.Series([3, -2], dtype="int64")).tolist() == [3.0, -2.0]


def test_owing_more_than_compares_to_the_cent():
    frame = pd.DataFrame({"arrears": [50.0, 50.01, 50.004999, 50.005, -10.0, 0.0, 0.005]})
    assert owing_more_than(frame, Decimal("50.00"))["arrears"].tolist() == [50.01, 50.005]
    assert owing_more_than(frame)["arrears"].tolist() == [50.0, 50.01, 50.004999, 50.005, 0.005]


def test_the_sum_of_a_money_column_is_the_exact_sum_of_its_cents():
    values = [v for v in amounts() if isinstance(v, float) and abs(v) < 1e9]
    column = pd.Series(values, dtype="float64")
    expected = sum((cents(value) for value in values), Decimal("0.00"))
    assert str(money_sum(column)) == str(expected)  # same value, same two decimals
    assert str(money_sum(pd.Series([], dtype="float64"))) == "0.00"
    assert str(money_sum(pd.Series([-0.001, 0.1, 0.2]))) == "0.30"
