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
    # Placement ends are exclusive, convention ends inclusive: a stay may end the day after the
    # convention's last day; an open stay needs a convention without actual end.
    "outside_convention": """
        SELECT p.id FROM placement p JOIN unit u ON u.id = p.unit_id
         WHERE NOT EXISTS (
            SELECT 1 FROM convention c WHERE c.site_id = u.site_id AND c.start_date <= p.start_date
               AND (c.actual_end_date IS NULL
                    OR (p.end_date IS NOT NULL AND p.end_date <= {day_after_convention_end})))""",
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


def violations(engine: Engine, today: date | None = None) -> dict[str, list[tuple]]:  # noqa: ARG001
    """The offending rows of each invariant (all lists empty when the database is consistent).
    No invariant depends on the day any more (an open placement needs a convention without actual
    end, DOMAIN.md invariant 4): `today` is accepted for the callers that pass it."""
    sqlite = engine.dialect.name == "sqlite"
    words = {
        "open_end": OPEN_END if sqlite else "DATE '9999-12-31'",
        "day_after_convention_end": "date(c.actual_end_date, '+1 day')" if sqlite else "c.actual_end_date + 1",
    }
    found = {}
    with engine.connect() as connection:
        for name, sql in VIOLATIONS.items():
            found[name] = [tuple(row) for row in connection.execute(text(sql.format(**words)))]
    return found
