"""What every write service shares: argument checks (collected with `Checks`, so that a form is told
every problem at once), the audit row, the version check, and the translation of database refusals
into domain errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from issue_core.auth import Actor
from issue_core.errors import Conflict, DomainError, InvalidInput, InvalidInputs, Money, NotFound, StaleVersion, Term
from issue_core.models import AuditEvent, Base, StrEnum
from issue_core.policy import MAX_MONEY, MAX_TEXT

F = TypeVar("F", bound=Callable[..., Any])
MAX_ID = 2**31 - 1  # ids are SQL integers (PostgreSQL's `integer`): a larger one names no record

# Constraint names (PostgreSQL) and trigger messages (SQLite) -> what the user is told.
_CONSTRAINT_MESSAGES = {
    "ex_placement_unit_overlap": "error.unit_overlap_generic",
    "ex_placement_household_overlap": "error.household_overlap_generic",
    "fk_household_axis_operator": "error.referent_not_axis_operator_generic",
    "uq_household_reference": "error.duplicate_reference_generic",
}


def service(func: F) -> F:
    """Turn what the database refuses into a DomainError, so no raw database error reaches a page.

    The service checks every invariant itself first; this is the net under it (for example two
    writers racing on PostgreSQL, where the exclusion constraint decides).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DomainError:
            raise
        except StaleDataError as exc:
            raise StaleVersion() from exc
        except IntegrityError as exc:
            raise _integrity_error(exc) from exc
        except OperationalError as exc:
            if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
                raise Conflict("error.database_busy") from exc
            raise DomainError("error.database_unavailable") from exc
        except DBAPIError as exc:
            text = str(exc.orig)
            for name, key in _CONSTRAINT_MESSAGES.items():
                if name in text:
                    raise Conflict(key) from exc
            raise DomainError("error.database_refused") from exc

    return wrapper  # type: ignore[return-value]


def _integrity_error(exc: IntegrityError) -> DomainError:
    text = str(exc.orig)
    for name, key in _CONSTRAINT_MESSAGES.items():
        if name in text:
            return Conflict(key)
    return Conflict("error.database_refused")


# --- the audit row -----------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def snapshot(row: Base | None) -> dict[str, Any] | None:
    """Every column of a row, as JSON-ready values (the password hash is never kept)."""
    if row is None:
        return None
    mapper = sa_inspect(row).mapper
    return {
        column.key: jsonable(getattr(row, column.key))
        for column in mapper.column_attrs
        if column.key != "password_hash"
    }


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Add the audit row of this write, in the same transaction."""
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            username=actor.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=jsonable(before),
            after=jsonable(after),
        )
    )
    session.flush()


# --- loading and version checks ----------------------------------------------------------------


def get_or_refuse(session: Session, model: type[Base], record_id: Any, what: str, *, lock: bool = False) -> Any:
    """The row, locked for this transaction when asked, or a NotFound naming what is missing."""
    record_id = require_int(record_id, f"field.{what}_id", minimum=1)
    row = None if record_id > MAX_ID else session.get(model, record_id, with_for_update=lock or None,
                                                         populate_existing=lock)
    if row is None:
        raise NotFound("error.not_found", what=Term(f"entity.{what}"), id=record_id)
    return row


def check_version(row: Any, version: Any) -> None:
    """Refuse a change made from a screen older than the record."""
    if require_int(version, "field.version", minimum=1) != row.version:
        raise StaleVersion()


# --- argument checks ---------------------------------------------------------------------------


class Checks:
    """The argument checks of one call, told at once: a check that fails is noted and the next ones
    still run; leaving the block raises one InvalidInput naming every problem (the problem itself
    when there is only one).

        with Checks() as check:
            adults = check(require_int, adults, "field.adults", minimum=1)
            start = check(require_date, start_date, "field.start_date")
            if start and end and end <= start:
                check.refuse("error.end_before_start", start=start, end=end)

    A failed check returns None: use the values after the block."""

    def __init__(self) -> None:
        self.problems: list[InvalidInput] = []

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> bool:
        if exc_type is None:
            self.raise_problems()
        return False

    def __call__(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except InvalidInput as problem:
            self.problems.append(problem)
            return None

    def refuse(self, key: str, **params: Any) -> None:
        self.problems.append(InvalidInput(key, **params))

    def raise_problems(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise InvalidInputs(self.problems)


def _field(field: str) -> Term:
    return Term(field)


def require_int(value: Any, field: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or value is None:
        raise InvalidInput("error.required_integer", field=_field(field))
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput("error.required_integer", field=_field(field))
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InvalidInput("error.required_integer", field=_field(field)) from None
    if not isinstance(value, int):
        raise InvalidInput("error.required_integer", field=_field(field))
    if minimum is not None and value < minimum:
        raise InvalidInput("error.too_small", field=_field(field), minimum=minimum)
    if maximum is not None and value > maximum:
        raise InvalidInput("error.too_large", field=_field(field), maximum=maximum)
    return value


def require_id(value: Any, field: str) -> int:
    """The id of a record chosen in a list (an axis, an organisation): nothing chosen is said so, and a
    number no record can have is not a valid choice (never sent to the database, where it would overflow)."""
    if value is None:
        raise InvalidInput("error.required_choice", field=_field(field))
    chosen = require_int(value, field, minimum=1)
    if chosen > MAX_ID:
        raise InvalidInput("error.invalid_choice", field=_field(field))
    return chosen


def optional_int(value: Any, field: str, *, minimum: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return require_int(value, field, minimum=minimum)


EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def require_date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("error.required_date", field=_field(field)) from None
    if not isinstance(value, date):
        raise InvalidInput("error.required_date", field=_field(field))
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InvalidInput("error.date_out_of_range", field=_field(field), earliest=EARLIEST_DATE, latest=LATEST_DATE)
    return value


def optional_date(value: Any, field: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return require_date(value, field)


def require_money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    if value is None or isinstance(value, bool):
        raise InvalidInput("error.required_amount", field=_field(field))
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput("error.required_amount", field=_field(field)) from None
    if not amount.is_finite():
        raise InvalidInput("error.required_amount", field=_field(field))
    if amount < 0 or (positive and amount == 0):
        raise InvalidInput("error.amount_negative" if amount < 0 else "error.amount_zero", field=_field(field))
    if amount > MAX_MONEY:
        raise InvalidInput("error.amount_too_large", field=_field(field), maximum=Money(MAX_MONEY))
    return amount.quantize(Decimal("0.01"))


def optional_money(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return require_money(value, field)


def require_text(value: Any, field: str, *, max_length: int = MAX_TEXT) -> str:
    text = optional_text(value, field, max_length=max_length)
    if text is None:
        raise InvalidInput("error.required_text", field=_field(field))
    return text


def optional_text(value: Any, field: str, *, max_length: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("error.required_text", field=_field(field))
    text = value.strip()
    if "\x00" in text:
        raise InvalidInput("error.invalid_characters", field=_field(field))
    if len(text) > max_length:
        raise InvalidInput("error.text_too_long", field=_field(field), maximum=max_length)
    return text or None


def require_choice(value: Any, choices: type[StrEnum], field: str) -> str:
    if value is None:
        raise InvalidInput("error.required_choice", field=_field(field))
    raw = value.value if isinstance(value, StrEnum) else value
    if raw not in choices.values():
        raise InvalidInput("error.invalid_choice", field=_field(field))
    return raw


def require_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("error.required_boolean", field=_field(field))
    return value


def distinct_ints(values: Iterable[Any], field: str) -> list[int]:
    result: list[int] = []
    for value in values:
        number = require_int(value, field, minimum=1)
        if number not in result:
            result.append(number)
    return result
