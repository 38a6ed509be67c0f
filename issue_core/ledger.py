"""household_ledger, kept by the database (models.HouseholdLedger): the triggers that update it in the writing
transaction, on SQLite and PostgreSQL, and the statement that fills it from what is there.

Whoever writes — a service, an import, a restore, raw SQL — the ledger follows: a placement or a contribution
status written recomputes its household's ended due (metrics.contributions.ended_due_of, the formula of the
balances, compiled for each engine); a payment written adds or takes back its cents. On PostgreSQL the ledger
row is locked before the due is computed again, so two transactions writing one household's stays at once
compute it one after the other, each from what the other committed.

A change to the due formula must come with a migration that creates these triggers again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import BigInteger, Connection, Integer, cast, func, literal_column, or_, select

from issue_core.models import Household, HouseholdLedger, Money, Payment
from issue_core.queries.metrics.contributions import ended_due_by_household, ended_due_of
from issue_core.queries.sql.functions import in_cents

TABLE = HouseholdLedger.__tablename__
DUE_SOURCES = ("placement", "contribution_status")
EVENTS = ("INSERT", "UPDATE", "DELETE")
SQLITE_TRIGGERS = [f"{TABLE}_{source}_{event.lower()}" for source in (*DUE_SOURCES, "payment") for event in EVENTS]
POSTGRESQL_FUNCTIONS = ("issue_ledger_refresh_due(integer)", "issue_ledger_add_paid(integer, bigint, integer)",
                        "issue_ledger_due_changed()", "issue_ledger_payment_changed()")


def compiled(query, dialect) -> str:  # noqa: ANN001
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _refresh_due(household: str, dialect) -> str:  # noqa: ANN001
    """An UPDATE setting the ledger's ended due of the household `household` (SQL text: NEW.household_id, …)."""
    target = literal_column(household, Integer)
    ended = compiled(ended_due_of(target), dialect)
    return f"UPDATE {TABLE} SET (ended_due, ended_pieces) = ({ended}) WHERE household_id = {household}"


def ensure_row(household: str, dialect_name: str) -> str:
    if dialect_name == "sqlite":
        return f"INSERT OR IGNORE INTO {TABLE} (household_id) VALUES ({household})"
    return f"INSERT INTO {TABLE} (household_id) VALUES ({household}) ON CONFLICT (household_id) DO NOTHING"


def _cents(amount: str, dialect) -> str:  # noqa: ANN001
    return compiled(in_cents(literal_column(amount, Money)), dialect)


def _add_paid(household: str, cents: str, count: str) -> str:
    return (f"UPDATE {TABLE} SET paid_cents = paid_cents + {cents}, payments = payments + {count} "
            f"WHERE household_id = {household}")


def for_engine(connection: Connection, sqlite: Callable, postgresql: Callable) -> list[str]:
    """The statements of `sqlite(dialect)` or `postgresql(dialect)`, for this connection's engine."""
    return (sqlite if connection.dialect.name == "sqlite" else postgresql)(connection.dialect)


def dropping(connection: Connection, sqlite_triggers: Iterable[str], postgresql_functions: Iterable[str]) -> list[str]:
    """The statements that drop these triggers (SQLite) or these functions and their triggers (PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_triggers]
    return [f"DROP FUNCTION IF EXISTS {name} CASCADE" for name in postgresql_functions]


def create_statements(connection: Connection) -> list[str]:
    """The triggers (and on PostgreSQL their functions) of the ledger, for this connection's engine."""
    return for_engine(connection, _sqlite_triggers, _postgresql_triggers)


def drop_statements(connection: Connection) -> list[str]:
    return dropping(connection, SQLITE_TRIGGERS, POSTGRESQL_FUNCTIONS)


def _sqlite_triggers(dialect) -> list[str]:  # noqa: ANN001
    def body(*statements: str) -> str:
        return "BEGIN " + " ".join(f"{statement};" for statement in statements) + " END"

    def refreshed(row: str) -> list[str]:
        household = f"{row}.household_id"
        return [ensure_row(household, "sqlite"), _refresh_due(household, dialect)]

    def paid(row: str, sign: str) -> list[str]:
        household, cents = f"{row}.household_id", _cents(f"{row}.amount", dialect)
        return [ensure_row(household, "sqlite"), _add_paid(household, f"{sign}{cents}", f"{sign}1")]

    statements = []
    for source in DUE_SOURCES:
        statements += [
            f"CREATE TRIGGER {TABLE}_{source}_insert AFTER INSERT ON {source} {body(*refreshed('NEW'))}",
            f"CREATE TRIGGER {TABLE}_{source}_update AFTER UPDATE ON {source} "
            f"{body(*refreshed('OLD'), *refreshed('NEW'))}",
            f"CREATE TRIGGER {TABLE}_{source}_delete AFTER DELETE ON {source} {body(*refreshed('OLD'))}",
        ]
    statements += [
        f"CREATE TRIGGER {TABLE}_payment_insert AFTER INSERT ON payment {body(*paid('NEW', ''))}",
        f"CREATE TRIGGER {TABLE}_payment_update AFTER UPDATE ON payment {body(*paid('OLD', '-'), *paid('NEW', ''))}",
        f"CREATE TRIGGER {TABLE}_payment_delete AFTER DELETE ON payment {body(*paid('OLD', '-'))}",
    ]
    return statements


def _postgresql_triggers(dialect) -> list[str]:  # noqa: ANN001
    return [
        f"""
        CREATE FUNCTION issue_ledger_refresh_due(target integer) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            {ensure_row('target', 'postgresql')};
            -- wait for any other transaction writing this household's ledger: the next statement then sees
            -- what it committed (READ COMMITTED takes a snapshot per statement)
            PERFORM 1 FROM {TABLE} WHERE household_id = target FOR UPDATE;
            {_refresh_due('target', dialect)};
        END;
        $$
        """,
        f"""
        CREATE FUNCTION issue_ledger_add_paid(target integer, cents bigint, count integer) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            {ensure_row('target', 'postgresql')};
            {_add_paid('target', 'cents', 'count')};
        END;
        $$
        """,
        """
        CREATE FUNCTION issue_ledger_due_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM issue_ledger_refresh_due(OLD.household_id);
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.household_id <> OLD.household_id) THEN
                PERFORM issue_ledger_refresh_due(NEW.household_id);
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        f"""
        CREATE FUNCTION issue_ledger_payment_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM issue_ledger_add_paid(OLD.household_id, -{_cents('OLD.amount', dialect)}, -1);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                PERFORM issue_ledger_add_paid(NEW.household_id, {_cents('NEW.amount', dialect)}, 1);
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        *(f"CREATE TRIGGER {TABLE}_{source} AFTER INSERT OR UPDATE OR DELETE ON {source} "
          "FOR EACH ROW EXECUTE FUNCTION issue_ledger_due_changed()" for source in DUE_SOURCES),
        f"CREATE TRIGGER {TABLE}_payment AFTER INSERT OR UPDATE OR DELETE ON payment "
        "FOR EACH ROW EXECUTE FUNCTION issue_ledger_payment_changed()",
    ]


COLUMNS = ("household_id", "ended_due", "ended_pieces", "paid_cents", "payments")


def computed_rows():  # noqa: ANN201
    """What the ledger holds, computed from the placements, statuses and payments in one grouped pass: a row per
    household with an ended stay or a payment (the triggers may also keep rows of zeros)."""
    due = ended_due_by_household().subquery("due")
    paid = (
        select(Payment.household_id, func.sum(in_cents(Payment.amount)).label("cents"),
               func.count().label("payments"))
        .group_by(Payment.household_id)
    ).subquery("paid")
    return (
        select(Household.id.label("household_id"), func.coalesce(due.c.due, 0.0).label("ended_due"),
               func.coalesce(due.c.pieces, 0).label("ended_pieces"),
               cast(func.coalesce(paid.c.cents, 0), BigInteger).label("paid_cents"),
               func.coalesce(paid.c.payments, 0).label("payments"))
        .outerjoin(due, due.c.household_id == Household.id)
        .outerjoin(paid, paid.c.household_id == Household.id)
        .where(or_(due.c.household_id.is_not(None), paid.c.household_id.is_not(None)))
    )


def fill(connection: Connection) -> None:
    """Compute the whole ledger again (the migration that creates it; a repair)."""
    table = HouseholdLedger.__table__
    connection.execute(table.delete())
    connection.execute(table.insert().from_select(list(COLUMNS), computed_rows()))
