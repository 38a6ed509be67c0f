"""Every invariant of DOMAIN.md, checked by plain SQL over the whole database (independently of
the services that are supposed to keep them). Each query returns the offending rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, text

OPEN_END = "'9999-12-31'"

VIOLATIONS = {
    "unit_overlap": """
        SELECT a.id, b.id FROM placement a JOIN placement b
          ON a.unit_id = b.unit_id AND a.id < b.id
         AND a.start_date < COALESCE(b.end_date, {open_end}) AND b.start_date < COALESCE(a.end_date, {open_end})""",
    "household_overlap": """
        SELECT a.id, b.id FROM placement a JOIN placement b
          ON a.household_id = b.household_id AND a.id < b.id
         AND a.start_date < COALESCE(b.end_date, {open_end}) AND b.start_date < COALESCE(a.end_date, {open_end})""",
    "end_not_after_start": "SELECT id FROM placement WHERE end_date IS NOT NULL AND end_date <= start_date",
    "negative_amounts": """
        SELECT id FROM payment WHERE amount < 0
        UNION ALL SELECT id FROM contribution_status WHERE monthly_amount < 0""",
    "household_composition": "SELECT id FROM household WHERE adults < 1 OR children < 0",
    "outside_convention": """
        SELECT p.id FROM placement p JOIN unit u ON u.id = p.unit_id
         WHERE NOT EXISTS (
            SELECT 1 FROM convention c WHERE c.site_id = u.site_id AND c.start_date <= p.start_date
               AND (c.actual_end_date IS NULL OR COALESCE(p.end_date, :open_day) <= c.actual_end_date))""",
    "during_unavailability": """
        SELECT p.id FROM placement p JOIN unit_unavailability x ON x.unit_id = p.unit_id
         WHERE p.start_date < COALESCE(x.end_date, {open_end}) AND x.start_date < COALESCE(p.end_date, {open_end})""",
    "referent_not_axis_operator": """
        SELECT h.id FROM household h WHERE NOT EXISTS (
            SELECT 1 FROM axis_operator o WHERE o.axis_id = h.axis_id AND o.organisation_id = h.referent_organisation_id)""",
    "reserved_unit_other_organisation": """
        SELECT p.id FROM placement p JOIN unit u ON u.id = p.unit_id JOIN household h ON h.id = p.household_id
         WHERE u.reserved_for_organisation_id IS NOT NULL
           AND u.reserved_for_organisation_id <> h.referent_organisation_id
           AND NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.entity = 'placement' AND e.entity_id = p.id
                           AND e.action IN ('placement.create', 'placement.transfer')
                           AND CAST(e.after AS TEXT) LIKE '%reservation_override_reason%')""",
}


def violations(engine: Engine, today: date) -> dict[str, list[tuple]]:
    """The offending rows of each invariant (all lists empty when the database is consistent).
    An open placement is checked as if it ended today (DOMAIN.md, invariant 4)."""
    # Dates are bound as ISO text on SQLite (stored as text there) and as dates on PostgreSQL.
    open_day = today.isoformat() if engine.dialect.name == "sqlite" else today
    found = {}
    with engine.connect() as connection:
        for name, sql in VIOLATIONS.items():
            statement = text(sql.format(open_end=_open_end(engine)))
            params = {"open_day": open_day} if ":open_day" in sql else {}
            found[name] = [tuple(row) for row in connection.execute(statement, params)]
    return found


def _open_end(engine: Engine) -> str:
    return OPEN_END if engine.dialect.name == "sqlite" else "DATE '9999-12-31'"
