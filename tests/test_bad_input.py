"""Bad input: every service refuses wrong types, ranges, dates and ids with a DomainError and
writes nothing; no other exception escapes; the database never holds an invalid row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issue_core.errors import DomainError, InvalidInput, NotFound
from issue_core.services import contributions, households, placements, sites
from tests.checks import violations
from tests.conftest import TODAY
from tests.world import row_counts

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "2024-13-45", "=1+1", "1e400", "NaN", "-0", "'; DROP TABLE household; --", "\x00"]),
    st.lists(st.integers(), max_size=3),
)
PLAUSIBLE_DATE = st.one_of(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 1, 1)), ANYTHING)


def attempt(world, call, *args, **kwargs) -> None:
    """Either the call is accepted, or it is refused with a DomainError and nothing changes."""
    before = row_counts(world.engine)
    try:
        call(world.engine, *args, **kwargs)
    except DomainError as error:
        assert row_counts(world.engine) == before
        assert error.message("fr") and not error.message("fr").startswith("error.")
    assert {name: rows for name, rows in violations(world.engine, TODAY).items() if rows} == {}


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(household=ANYTHING, unit=ANYTHING, start=PLAUSIBLE_DATE, end=PLAUSIBLE_DATE, notes=ANYTHING)
def test_place_household_with_random_input(world, household, unit, start, end, notes):
    attempt(world, placements.place_household, world.admin, household_id=household, unit_id=unit,
            start_date=start, end_date=end, notes=notes)


@FUZZ
@given(axis=ANYTHING, adults=ANYTHING, children=ANYTHING, status=ANYTHING, referred=PLAUSIBLE_DATE)
def test_register_household_with_random_input(world, axis, adults, children, status, referred):
    attempt(world, households.register_household, world.admin, axis_id=axis, referent_organisation_id=world.dio,
            adults=adults, children=children, administrative_status=status, referred_on=referred)


@FUZZ
@given(paid_on=PLAUSIBLE_DATE, amount=ANYTHING, months=ANYTHING, method=ANYTHING)
def test_record_payment_with_random_input(world, paid_on, amount, months, method):
    attempt(world, contributions.record_payment, world.coord_samu, world.h_samu, paid_on=paid_on, amount=amount,
            period_months=months, method=method)


@FUZZ
@given(label=ANYTHING, bedrooms=ANYTHING, capacity=ANYTHING, reserved=ANYTHING)
def test_create_unit_with_random_input(world, label, bedrooms, capacity, reserved):
    attempt(world, sites.create_unit, world.admin, site_id=world.alpha, label=label, bedrooms=bedrooms,
            capacity=capacity, reserved_for_organisation_id=reserved)


@FUZZ
@given(start=PLAUSIBLE_DATE, status=ANYTHING, income=ANYTHING, override=ANYTHING, reason=ANYTHING)
def test_set_income_status_with_random_input(world, start, status, income, override, reason):
    attempt(world, contributions.set_income_status, world.admin, world.h_dio, effective_from=start,
            income_status=status, monthly_income=income, override_amount=override, override_reason=reason)


@pytest.mark.parametrize(
    "call, kwargs, error, key",
    [
        (placements.place_household, {"household_id": 999, "unit_id": 1, "start_date": date(2024, 3, 1)}, NotFound, "error.not_found"),
        (placements.place_household, {"household_id": "abc", "unit_id": 1, "start_date": date(2024, 3, 1)}, InvalidInput, "error.required_integer"),
        (placements.place_household, {"household_id": 1, "unit_id": 1, "start_date": "31/02/2024"}, InvalidInput, "error.required_date"),
        (placements.place_household, {"household_id": 1, "unit_id": 1, "start_date": date(1850, 1, 1)}, InvalidInput, "error.date_out_of_range"),
        (contributions.record_payment, {"household_id": 1, "paid_on": date(2024, 3, 1), "amount": "12,5x", "period_months": [date(2024, 3, 1)], "method": "cash"}, InvalidInput, "error.required_amount"),
        (contributions.record_payment, {"household_id": 1, "paid_on": date(2024, 3, 1), "amount": Decimal("0"), "period_months": [date(2024, 3, 1)], "method": "cash"}, InvalidInput, "error.amount_zero"),
        (contributions.record_payment, {"household_id": 1, "paid_on": date(2024, 3, 1), "amount": 10, "period_months": [], "method": "cash"}, InvalidInput, "error.months_required"),
        (contributions.record_payment, {"household_id": 1, "paid_on": date(2024, 3, 1), "amount": 10, "period_months": [date(2024, 3, 1)], "method": "bitcoin"}, InvalidInput, "error.invalid_choice"),
        (contributions.record_payment, {"household_id": 1, "paid_on": date(2027, 3, 1), "amount": 10, "period_months": [date(2024, 3, 1)], "method": "cash"}, InvalidInput, "error.payment_in_future"),
        (households.register_household, {"axis_id": 2, "referent_organisation_id": 1, "adults": 99, "children": 0, "administrative_status": "regular", "referred_on": date(2024, 1, 1)}, InvalidInput, "error.too_large"),
        (households.register_household, {"axis_id": 2, "referent_organisation_id": 1, "adults": 1, "children": 0, "administrative_status": "illegal", "referred_on": date(2024, 1, 1)}, InvalidInput, "error.invalid_choice"),
    ],
)
def test_specific_bad_input_is_explained(world, call, kwargs, error, key):
    if "household_id" in kwargs and call is contributions.record_payment:
        kwargs = {**kwargs, "household_id": world.h_samu}
    before = row_counts(world.engine)
    with pytest.raises(error) as caught:
        call(world.engine, world.admin, **kwargs)
    assert caught.value.key == key
    assert row_counts(world.engine) == before


def test_an_id_no_record_can_have_is_not_found_not_an_overflow(world):
    """Hypothesis once sent 2**63 as a unit id: the driver raised OverflowError instead of a refusal."""
    for huge in (2**31, 2**63, 9.223372036854776e18, 10**30):
        with pytest.raises(NotFound):
            placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=huge,
                                       start_date=date(2024, 3, 1))
