"""stay, kept by the database (models.Stay): the triggers that compute a household's stays again in the
transaction that writes one of its placements, on SQLite and PostgreSQL, and the statement that fills the table
from what is there.

Whoever writes a placement — a service, an import, a restore, raw SQL — the household's stays follow: its rows
are deleted and computed again with metrics.flows.stays_query (the rule of a stay, compiled for each engine), a
few placements' worth of work. On PostgreSQL the household's ledger row (household_ledger, the per-household lock
its own triggers take) is locked first, so two transactions writing one household's placements at once compute
its stays one after the other, each from what the other committed.

A change to the rule of a stay must come with a migration that creates these triggers again.
"""

from __future__ import annotations

from sqlalchemy import Connection, Integer, literal_column

from issue_core.ledger import compiled, dropping, ensure_row, for_engine
from issue_core.models import HouseholdLedger, Stay
from issue_core.queries.metrics.flows import stays_query

TABLE = Stay.__tablename__
COLUMNS = ("household_id", "start_date", "end_date", "placements")
EVENTS = ("insert", "update", "delete")
SQLITE_TRIGGERS = [f"{TABLE}_placement_{event}" for event in EVENTS]
POSTGRESQL_FUNCTIONS = ("issue_stay_refresh(integer)", "issue_stay_placement_changed()")


def _refresh(household: str, dialect) -> list[str]:  # noqa: ANN001
    """The statements that compute the stays of the household `household` again (SQL text: NEW.household_id, …)."""
    computed = compiled(stays_query(literal_column(household, Integer)), dialect)
    return [f"DELETE FROM {TABLE} WHERE household_id = {household}",
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {computed}"]


def create_statements(connection: Connection) -> list[str]:
    """The triggers (and on PostgreSQL their functions) of the stays, for this connection's engine."""
    return for_engine(connection, _sqlite_triggers, _postgresql_triggers)


def drop_statements(connection: Connection) -> list[str]:
    return dropping(connection, SQLITE_TRIGGERS, POSTGRESQL_FUNCTIONS)


def _sqlite_triggers(dialect) -> list[str]:  # noqa: ANN001
    def body(*rows: str) -> str:
        statements = [statement for row in rows for statement in _refresh(f"{row}.household_id", dialect)]
        return "BEGIN " + " ".join(f"{statement};" for statement in statements) + " END"

    return [
        f"CREATE TRIGGER {TABLE}_placement_insert AFTER INSERT ON placement {body('NEW')}",
        f"CREATE TRIGGER {TABLE}_placement_update AFTER UPDATE ON placement {body('OLD', 'NEW')}",
        f"CREATE TRIGGER {TABLE}_placement_delete AFTER DELETE ON placement {body('OLD')}",
    ]


def _postgresql_triggers(dialect) -> list[str]:  # noqa: ANN001
    refresh = ";\n            ".join(_refresh("target", dialect))
    return [
        f"""
        CREATE FUNCTION issue_stay_refresh(target integer) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            {ensure_row('target', 'postgresql')};
            -- wait for any other transaction writing this household's placements: the next statements then see
            -- what it committed (READ COMMITTED takes a snapshot per statement)
            PERFORM 1 FROM {HouseholdLedger.__tablename__} WHERE household_id = target FOR UPDATE;
            {refresh};
        END;
        $$
        """,
        """
        CREATE FUNCTION issue_stay_placement_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM issue_stay_refresh(OLD.household_id);
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.household_id <> OLD.household_id) THEN
                PERFORM issue_stay_refresh(NEW.household_id);
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        f"CREATE TRIGGER {TABLE}_placement AFTER INSERT OR UPDATE OR DELETE ON placement "
        "FOR EACH ROW EXECUTE FUNCTION issue_stay_placement_changed()",
    ]


def computed_rows():  # noqa: ANN201
    """What the table holds, computed from the placements in one pass: a row per stay."""
    return stays_query()


def fill(connection: Connection) -> None:
    """Compute the whole table again (the migration that creates it; a repair)."""
    table = Stay.__table__
    connection.execute(table.delete())
    connection.execute(table.insert().from_select(list(COLUMNS), computed_rows()))
