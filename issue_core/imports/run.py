"""The import run: every row through the services inside one batch transaction (issue_core.db.batch),
each row in its own savepoint so a refused row undoes only itself and the next rows are still
checked. A dry run always rolls back; a real import commits only when no row was refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, text

from issue_core.auth import Actor, require_editor
from issue_core.db import Batch, batch, is_sqlite, read_session, write_session
from issue_core.errors import DomainError, Term
from issue_core.i18n import format_datetime
from issue_core.imports.reading import Problem, ReadFile, Row, read_upload
from issue_core.imports.templates import TABLES
from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    ExitDestination,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
)
from issue_core.services import contributions, households, placements, sites
from issue_core.services.common import audit

IMPORT_ACTION = "import.file"
Progress = Callable[[int, int], None]

# A service refusal names a field (a Term of the field catalogue) or is known by its key: the column to blame.
FIELD_COLUMNS = {
    "field.site_name": "name", "field.unit_label": "label", "field.reserved_for": "reserved_for_organisation",
    "field.housing_operator": "housing_operator", "field.referent_organisation": "referent_organisation",
}
KEY_COLUMNS = {
    "error.end_before_start": "end_date", "error.after_convention_end": "end_date",
    "error.before_convention_start": "start_date", "error.no_convention": "site",
    "error.unit_occupied": "start_date", "error.unit_occupied_open": "start_date",
    "error.unit_overlap_generic": "start_date", "error.household_already_placed": "start_date",
    "error.household_overlap_generic": "start_date", "error.unit_unavailable": "start_date",
    "error.unit_unavailable_open": "start_date", "error.unit_reserved": "unit",
    "error.unit_reserved_admin_hint": "override_reason", "error.placement_before_referral": "start_date",
    "error.follow_up_ended": "reference", "error.site_name_taken": "name", "error.unit_label_taken": "label",
    "error.convention_overlap": "start_date", "error.referent_not_axis_operator": "referent_organisation",
    "error.referent_not_axis_operator_generic": "referent_organisation",
    "error.other_organisation_household": "reference", "error.admin_only": "",
    "error.status_before_referral": "effective_from", "error.no_scale": "monthly_amount",
    "error.override_needs_reason": "override_reason", "error.income_required": "monthly_income",
    "error.payment_before_referral": "paid_on", "error.payment_in_future": "paid_on",
    "error.follow_up_has_placement": "follow_up_ended_on",
    "error.follow_up_end_before_referral": "follow_up_ended_on",
    "error.wrong_organisation_kind": "", "error.use_transfer": "exit_destination",
    "import.error.reference_taken": "reference", "import.error.reference_format": "reference",
    "error.duplicate_reference_generic": "reference",
}


@dataclass
class ImportResult:
    sha256: str
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = True
    imported: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counts_line(self) -> str:
        """"sites 2, units 5" (or "0")."""
        return ", ".join(f"{table} {count}" for table, count in self.counts.items()) or "0"


class RowRefused(Exception):
    """A row problem found by the importer itself (unknown name, duplicate data…)."""

    def __init__(self, column: str, key: str, **params: Any) -> None:
        super().__init__(key)
        self.column, self.key, self.params = column, key, params


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_file(engine: Engine, actor: Actor, file_name: str, content: bytes, *, on_progress: Progress | None = None) -> ImportResult:
    """The dry run: every problem by row, column and reason; nothing written."""
    return run_import(engine, actor, file_name, content, dry_run=True, on_progress=on_progress)


def import_file(engine: Engine, actor: Actor, file_name: str, content: bytes, *, on_progress: Progress | None = None) -> ImportResult:
    """All or nothing: imported only when the file has no problem at all."""
    return run_import(engine, actor, file_name, content, dry_run=False, on_progress=on_progress)


def run_import(
    engine: Engine, actor: Actor, file_name: str, content: bytes, *, dry_run: bool, on_progress: Progress | None = None
) -> ImportResult:
    """Raises UnreadableFile for a file that cannot be read, PermissionDenied for a read-only role."""
    require_editor(actor)
    digest = file_digest(content)
    read = read_upload(file_name, content)
    result = ImportResult(sha256=digest, counts=read.counts(), problems=list(read.problems), dry_run=dry_run)
    if read.total() == 0 and not read.problems:
        result.problems = [Problem("", 0, "", "import.file.no_rows")]
        return result
    with batch(engine) as current:
        _lock_digest(current, engine, digest)
        earlier = previous_import(engine, digest)
        if earlier is not None:
            result.problems = [earlier]
            return result
        importer = Importer(engine, actor, current)
        importer.run(read, on_progress)
        result.problems += importer.problems
        result.problems.sort(key=lambda p: (list(TABLES).index(p.table) if p.table in TABLES else -1, p.row))
        if not result.problems and not dry_run:
            _record_import(engine, actor, file_name, digest, result.counts)
            current.commit()
            result.imported = True
    return result


def _lock_digest(current: Batch, engine: Engine, digest: str) -> None:
    """Two imports of the same file at once: the second waits, then sees the first (PostgreSQL;
    SQLite already runs one writer at a time)."""
    if not is_sqlite(engine):
        key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
        current.connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def previous_import(engine: Engine, digest: str) -> Problem | None:
    with read_session(engine) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == IMPORT_ACTION).order_by(AuditEvent.id))
        for event in events:
            if isinstance(event.after, dict) and event.after.get("sha256") == digest:
                return Problem("", 0, "", "import.file.already_imported",
                               {"when": format_datetime(event.at), "username": event.username,
                                "file_name": str(event.after.get("file_name", ""))})
    return None


def _record_import(engine: Engine, actor: Actor, file_name: str, digest: str, counts: dict[str, int]) -> None:
    with write_session(engine) as session:
        audit(session, actor, IMPORT_ACTION, "import", None,
              after={"sha256": digest, "file_name": file_name[:200], "rows": counts})


# --- the rows ----------------------------------------------------------------------------------


@dataclass
class PendingTransfer:
    placement_id: int
    day: date
    row: Row


class Importer:
    """Applies the rows, table after table, through the services; collects what they refuse."""

    def __init__(self, engine: Engine, actor: Actor, current: Batch) -> None:
        self.engine, self.actor, self.batch = engine, actor, current
        self.problems: list[Problem] = []
        self.follow_up_ends: list[Row] = []
        self.transfers: dict[str, PendingTransfer] = {}

    def run(self, read: ReadFile, on_progress: Progress | None) -> None:
        total, done = read.total(), 0
        for table in TABLES:
            apply = getattr(self, f"_{table}")
            for row in read.rows.get(table, []):
                self._attempt(row, apply)
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
        for pending in self.transfers.values():
            self._refuse(pending.row, "exit_destination", "import.error.transfer_without_next", {"date": pending.day})
        for row in self.follow_up_ends:
            self._attempt(row, self._end_follow_up)

    def _attempt(self, row: Row, apply: Callable[[Row], None]) -> None:
        try:
            with self.batch.step():
                apply(row)
        except RowRefused as refusal:
            self._refuse(row, refusal.column, refusal.key, refusal.params)
        except DomainError as error:
            for problem in getattr(error, "problems", [error]):  # InvalidInputs: one problem per column
                self._refuse(row, _column_of(problem, row), problem.key, problem.params)

    def _refuse(self, row: Row, column: str, key: str, params: dict[str, Any]) -> None:
        self.problems.append(Problem(row.table, row.number, column, key, dict(params)))

    # --- natural keys -> ids (rows written earlier in the batch included) ----------------------

    def organisation(self, short_name: str | None, column: str) -> int | None:
        if short_name is None:
            return None
        with read_session(self.engine) as session:
            found = session.scalar(select(Organisation.id).where(Organisation.short_name == short_name))
        if found is None:
            raise RowRefused(column, "import.error.unknown_organisation", name=short_name)
        return found

    def site(self, name: str, column: str = "site") -> int:
        with read_session(self.engine) as session:
            found = session.scalar(select(Site.id).where(Site.name == name))
        if found is None:
            raise RowRefused(column, "import.error.unknown_site", name=name)
        return found

    def unit(self, site_name: str, label: str) -> int:
        site_id = self.site(site_name)
        with read_session(self.engine) as session:
            found = session.scalar(select(Unit.id).where(Unit.site_id == site_id, Unit.label == label))
        if found is None:
            raise RowRefused("unit", "import.error.unknown_unit", site=site_name, label=label)
        return found

    def household(self, reference: str) -> Household:
        with read_session(self.engine) as session:
            found = session.scalars(select(Household).where(Household.reference == reference)).first()
        if found is None:
            raise RowRefused("reference", "import.error.unknown_household", reference=reference)
        return found

    def placement_version(self, placement_id: int) -> int:
        with read_session(self.engine) as session:
            return session.get(Placement, placement_id).version

    # --- one method per table ------------------------------------------------------------------

    def _sites(self, row: Row) -> None:
        v = row.values
        sites.create_site(
            self.engine, self.actor, name=v["name"], address=v["address"], commune=v["commune"],
            latitude=v["latitude"], longitude=v["longitude"],
            location_approximate=True if v["location_approximate"] is None else v["location_approximate"],
            housing_operator_id=self.organisation(v["housing_operator"], "housing_operator"),
            manager_id=self.organisation(v["manager"], "manager"), notes=v["notes"],
        )

    def _conventions(self, row: Row) -> None:
        v = row.values
        if v["actual_end_date"] is not None and v["closure_reason"] is None:
            raise RowRefused("closure_reason", "import.error.closure_needs_reason")
        if v["planned_end_date"] < v["start_date"]:
            raise RowRefused("planned_end_date", "error.end_before_start", start=v["start_date"], end=v["planned_end_date"])
        convention_id = sites.create_convention(
            self.engine, self.actor, site_id=self.site(v["site"]), start_date=v["start_date"],
            planned_end_date=v["planned_end_date"], units_planned=v["units_planned"],
            operator_id=self.organisation(v["operator"], "operator"), notes=v["notes"],
        )
        if v["actual_end_date"] is not None:
            if v["actual_end_date"] < v["start_date"]:
                raise RowRefused("actual_end_date", "error.end_before_start", start=v["start_date"], end=v["actual_end_date"])
            sites.close_convention(self.engine, self.actor, convention_id, version=1,
                                   actual_end_date=v["actual_end_date"], reason=v["closure_reason"])

    def _units(self, row: Row) -> None:
        v = row.values
        sites.create_unit(
            self.engine, self.actor, site_id=self.site(v["site"]), label=v["label"], bedrooms=v["bedrooms"],
            capacity=v["capacity"],
            reserved_for_organisation_id=self.organisation(v["reserved_for_organisation"], "reserved_for_organisation"),
        )

    def _households(self, row: Row) -> None:
        v = row.values
        households.register_household(
            self.engine, self.actor, axis_id=int(v["axis"]),
            referent_organisation_id=self.organisation(v["referent_organisation"], "referent_organisation"),
            adults=v["adults"], children=v["children"], administrative_status=v["administrative_status"],
            referred_on=v["referred_on"], reference=v["reference"],
        )
        if v["follow_up_ended_on"] is not None:
            self.follow_up_ends.append(row)  # after the stays, contributions and payments of the file

    def _end_follow_up(self, row: Row) -> None:
        household = self.household(row.values["reference"])
        households.end_follow_up(self.engine, self.actor, household.id, version=household.version,
                                 ended_on=row.values["follow_up_ended_on"])

    def _placements(self, row: Row) -> None:
        v = row.values
        start, end, destination = v["start_date"], v["end_date"], v["exit_destination"]
        if end is not None and end <= start:
            raise RowRefused("end_date", "error.end_before_start", start=start, end=end)
        if destination is not None and end is None:
            raise RowRefused("end_date", "import.error.exit_needs_end")
        household = self.household(v["reference"])
        unit_id = self.unit(v["site"], v["unit"])
        pending = self.transfers.pop(v["reference"], None)
        if pending is not None and pending.day == start:
            # The previous row ended with a transfer on this day: one transfer, as the Stays page does.
            placement_id = placements.transfer_household(
                self.engine, self.actor, pending.placement_id, version=self.placement_version(pending.placement_id),
                transfer_date=start, unit_id=unit_id, notes=v["notes"], override_reason=v["override_reason"],
            )
            if end is not None and destination is None:
                raise RowRefused("exit_destination", "import.error.transfer_target_needs_exit")
        else:
            if pending is not None:
                self._refuse(pending.row, "exit_destination", "import.error.transfer_without_next", {"date": pending.day})
            placement_id = placements.place_household(
                self.engine, self.actor, household_id=household.id, unit_id=unit_id, start_date=start, end_date=end,
                notes=v["notes"], override_reason=v["override_reason"],
            )
        if destination == ExitDestination.OTHER_ISSUE_UNIT.value:
            self.transfers[v["reference"]] = PendingTransfer(placement_id, end, row)
        elif destination is not None:
            placements.end_placement(self.engine, self.actor, placement_id, version=self.placement_version(placement_id),
                                     end_date=end, exit_destination=destination)

    def _contribution_statuses(self, row: Row) -> None:
        v = row.values
        household = self.household(v["reference"])
        with read_session(self.engine) as session:
            taken = session.scalar(select(ContributionStatus.id).where(
                ContributionStatus.household_id == household.id, ContributionStatus.effective_from == v["effective_from"]))
            scale_amount = self._scale_amount(session, v)
        if taken is not None:
            raise RowRefused("effective_from", "import.error.status_exists", reference=v["reference"], date=v["effective_from"])
        # The scale gives the amount; an amount that differs from it is an override, which needs its reason.
        override = v["monthly_amount"]
        if override is not None and scale_amount is not None and override.quantize(Decimal("0.01")) == scale_amount:
            override = None
        if override is not None and v["override_reason"] is None:
            raise RowRefused("override_reason", "import.error.amount_differs_needs_reason",
                             scale=scale_amount if scale_amount is not None else "—")
        contributions.set_income_status(
            self.engine, self.actor, household.id, effective_from=v["effective_from"], income_status=v["income_status"],
            monthly_income=v["monthly_income"], override_amount=override,
            override_reason=v["override_reason"] if override is not None else None,
        )

    @staticmethod
    def _scale_amount(session, values: dict[str, Any]) -> Decimal | None:
        entry = contributions.scale_in_force(session, values["income_status"], values["effective_from"])
        if entry is None:
            return None
        try:
            return contributions.amount_from_scale(entry, values["monthly_income"])
        except DomainError:
            return None

    def _payments(self, row: Row) -> None:
        v = row.values
        household = self.household(v["reference"])
        with read_session(self.engine) as session:
            same = session.scalar(select(Payment.id).where(
                Payment.household_id == household.id, Payment.paid_on == v["paid_on"],
                Payment.period_month == v["period_month"], Payment.amount == v["amount"]).limit(1))
        if same is not None:
            raise RowRefused("paid_on", "import.error.payment_exists", reference=v["reference"], date=v["paid_on"])
        # A file's rows are deliberate: two equal payments for one month on different days are two
        # payments (the same day: refused above), not a second click on a form.
        contributions.record_payment(
            self.engine, self.actor, household.id, paid_on=v["paid_on"], amount=v["amount"],
            period_months=[v["period_month"]], method=v["method"], notes=v["notes"], confirm_duplicate=True,
        )


def _column_of(error: DomainError, row: Row) -> str:
    """The column a service refusal is about, when it can be told; else empty (the whole row)."""
    columns = set(row.values)
    named = error.params.get("field")
    if isinstance(named, Term):
        column = FIELD_COLUMNS.get(named.key, named.key.removeprefix("field."))
        if column in columns:
            return column
    column = KEY_COLUMNS.get(error.key, "")
    if row.table == "conventions" and column == "end_date":
        column = "actual_end_date"
    return column if column in columns else ""
