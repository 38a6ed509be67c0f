"""SQLAlchemy 2 models. Table and column names are the contract of DOMAIN.md: rename none.

Invariants that a single row can check are CHECK constraints here. The invariants that span rows
(no two placements of a unit or of a household on the same day) are enforced by the migration:
exclusion constraints on PostgreSQL, triggers on SQLite (see db/migrations/versions/0001_initial.py).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import false, true

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:  # so f-strings and JSON show the value
        return self.value

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]


def _in(column: str, enum_cls: type[StrEnum]) -> str:
    quoted = ", ".join(f"'{v}'" for v in enum_cls.values())
    return f"{column} IN ({quoted})"


class OrganisationKind(StrEnum):
    PARTNER = "partner"
    HOUSING_OPERATOR = "housing_operator"
    MANAGER = "manager"
    FUNDER = "funder"


class AdministrativeStatus(StrEnum):
    REGULAR = "regular"
    IRREGULAR = "irregular"
    PENDING = "pending"
    UNKNOWN = "unknown"


class ExitDestination(StrEnum):
    DURABLE_SOCIAL_HOUSING = "durable_social_housing"
    DURABLE_PRIVATE_HOUSING = "durable_private_housing"
    HOUSING_FIRST = "housing_first"
    OTHER_ISSUE_UNIT = "other_issue_unit"
    OTHER_TEMPORARY_HOUSING = "other_temporary_housing"
    EMERGENCY_SHELTER = "emergency_shelter"
    CARE_INSTITUTION = "care_institution"
    PRISON = "prison"
    STREET = "street"
    DECEASED = "deceased"
    UNKNOWN = "unknown"


DURABLE_DESTINATIONS = frozenset(
    {
        ExitDestination.DURABLE_SOCIAL_HOUSING,
        ExitDestination.DURABLE_PRIVATE_HOUSING,
        ExitDestination.HOUSING_FIRST,
    }
)


class IncomeStatus(StrEnum):
    NO_INCOME = "no_income"
    INTEGRATION_INCOME = "integration_income"  # revenu d'intégration (CPAS)
    REPLACEMENT_INCOME = "replacement_income"  # unemployment, sickness, disability
    EMPLOYMENT_INCOME = "employment_income"


class ScaleRule(StrEnum):
    FIXED = "fixed"
    PERCENT_OF_INCOME = "percent_of_income"


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    DIRECTOR = "director"
    SCREEN = "screen"


class Language(StrEnum):
    FR = "fr"
    NL = "nl"
    EN = "en"


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    CASH = "cash"
    DIRECT_DEBIT = "direct_debit"
    OTHER = "other"


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_in("kind", OrganisationKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Axis(Base):
    __tablename__ = "axis"
    __table_args__ = (CheckConstraint("id BETWEEN 1 AND 3", name="id_range"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class AxisOperator(Base):
    __tablename__ = "axis_operator"

    axis_id: Mapped[int] = mapped_column(ForeignKey("axis.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)


class Site(Base):
    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(300))
    commune: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_approximate: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    housing_operator_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Convention(Base):
    __tablename__ = "convention"
    __table_args__ = (
        CheckConstraint("planned_end_date >= start_date", name="planned_end_after_start"),
        CheckConstraint(
            "actual_end_date IS NULL OR actual_end_date >= start_date", name="actual_end_after_start"
        ),
        CheckConstraint("units_planned >= 0", name="units_planned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    start_date: Mapped[date] = mapped_column(Date)
    planned_end_date: Mapped[date] = mapped_column(Date)
    actual_end_date: Mapped[date | None] = mapped_column(Date)
    units_planned: Mapped[int] = mapped_column(Integer)
    closure_reason: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("site_id", "label", name="uq_unit_site_label"),
        CheckConstraint("bedrooms >= 0", name="bedrooms"),
        CheckConstraint("capacity >= 1", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    bedrooms: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    reserved_for_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class UnitUnavailability(Base):
    """A half-open period [start_date, end_date) during which a unit cannot be occupied."""

    __tablename__ = "unit_unavailability"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="end_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("adults >= 1", name="adults"),
        CheckConstraint("children >= 0", name="children"),
        CheckConstraint(_in("administrative_status", AdministrativeStatus), name="administrative_status"),
        CheckConstraint(
            "follow_up_ended_on IS NULL OR follow_up_ended_on >= referred_on", name="follow_up_end"
        ),
        # Invariant 5: the referent organisation operates the household's axis.
        ForeignKeyConstraint(
            ["axis_id", "referent_organisation_id"],
            ["axis_operator.axis_id", "axis_operator.organisation_id"],
            name="fk_household_axis_operator",
        ),
        Index("ix_household_axis_referent", "axis_id", "referent_organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    adults: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer)
    axis_id: Mapped[int] = mapped_column(ForeignKey("axis.id"))
    referent_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    administrative_status: Mapped[str] = mapped_column(String(20))
    referred_on: Mapped[date] = mapped_column(Date)
    follow_up_ended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class Placement(Base):
    """A household in a unit over the half-open range [start_date, end_date)."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="end_after_start"),
        CheckConstraint(
            f"exit_destination IS NULL OR {_in('exit_destination', ExitDestination)}",
            name="exit_destination",
        ),
        CheckConstraint("exit_destination IS NULL OR end_date IS NOT NULL", name="exit_needs_end"),
        # covering (end_date too): "is the unit occupied on that day" reads no row of the table
        Index("ix_placement_unit_dates", "unit_id", "start_date", "end_date"),
        Index("ix_placement_household_dates", "household_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    exit_destination: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class ContributionScale(Base):
    __tablename__ = "contribution_scale"
    __table_args__ = (
        UniqueConstraint("income_status", "effective_from", name="uq_contribution_scale_status_from"),
        CheckConstraint(_in("income_status", IncomeStatus), name="income_status"),
        CheckConstraint(_in("rule", ScaleRule), name="rule"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent"),
        CheckConstraint("minimum IS NULL OR minimum >= 0", name="minimum"),
        CheckConstraint("maximum IS NULL OR maximum >= 0", name="maximum"),
        CheckConstraint(
            "minimum IS NULL OR maximum IS NULL OR minimum <= maximum", name="minimum_le_maximum"
        ),
        CheckConstraint("rule <> 'fixed' OR amount IS NOT NULL", name="fixed_has_amount"),
        CheckConstraint(
            "rule <> 'percent_of_income' OR percent IS NOT NULL", name="percent_has_percent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    income_status: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    minimum: Mapped[Decimal | None] = mapped_column(Money)
    maximum: Mapped[Decimal | None] = mapped_column(Money)
    effective_from: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class ContributionStatus(Base):
    __tablename__ = "contribution_status"
    __table_args__ = (
        UniqueConstraint("household_id", "effective_from", name="uq_contribution_status_household_from"),
        CheckConstraint(_in("income_status", IncomeStatus), name="income_status"),
        CheckConstraint("monthly_income IS NULL OR monthly_income >= 0", name="monthly_income"),
        CheckConstraint("monthly_amount >= 0", name="monthly_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    income_status: Mapped[str] = mapped_column(String(40))
    monthly_income: Mapped[Decimal | None] = mapped_column(Money)
    monthly_amount: Mapped[Decimal] = mapped_column(Money)
    override_reason: Mapped[str | None] = mapped_column(String(300))


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint(_in("method", PaymentMethod), name="method"),
        Index("ix_payment_household_period", "household_id", "period_month"),
        # the payments of the last days, for the balances (HouseholdLedger); covering, so that a check reading every
        # payment up to a day through it (SQLite chooses it without statistics) reads no row of the table
        Index("ix_payment_paid_on", "paid_on", "household_id", "amount"),
        # a household's payments from a day on: the first one after its file closed, its recent activity (data
        # quality); covering, so that a count or a sum reads no row of the table
        Index("ix_payment_household_paid_on", "household_id", "paid_on", "amount"),
        # what was paid for the months of a period (contributions_monthly); covering, as the two above
        Index("ix_payment_period_month", "period_month", "household_id", "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    period_month: Mapped[date] = mapped_column(Date)  # first day of the month covered
    method: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)


class HouseholdLedger(Base):
    """Per household, the settled part of its balance, kept by the database itself: triggers on placement,
    contribution_status and payment update it in the writing transaction, whoever writes (issue_core.ledger,
    migration 0006). The app never writes it. The balances (metrics.contributions) add to it what is still
    moving: the placements open or ended lately, the payments made lately.

    ended_due: the due of the household's ended placements, whole (as the balances compute it);
    ended_pieces: their pieces (placement ∩ contribution status period); paid_cents: its payments, in cents;
    payments: their number."""

    __tablename__ = "household_ledger"

    household_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ended_due: Mapped[float] = mapped_column(Double, default=0.0, server_default="0")
    ended_pieces: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    payments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Stay(Base):
    """A household's stay: its placements chained across transfers (a placement starts a new stay unless the
    household's previous one ended that day as a transfer, metrics.flows.stays_query), kept by the database:
    triggers on placement compute the household's stays again in the writing transaction, whoever writes
    (issue_core.stays, migration 0009). The app never writes it. The length of stay and the report's stays read
    it, where they chained every placement of the households placed in the period at each read.

    start_date: its first placement's start; end_date: its last placement's end (None while one is open);
    placements: how many it chains."""

    __tablename__ = "stay"

    household_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_date: Mapped[date] = mapped_column(Date, primary_key=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    placements: Mapped[int] = mapped_column(Integer)


# Tables the database derives from the others (its triggers write them): not exported, never written by the app.
DERIVED_TABLES = frozenset({HouseholdLedger.__tablename__, Stay.__tablename__})


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(_in("role", Role), name="role"),
        CheckConstraint(_in("language", Language), name="language"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    language: Mapped[str] = mapped_column(String(2), default="fr", server_default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the window of failed_logins
    sessions_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class AppSession(Base):
    """A signed-in browser session: its sign-in cookie carries the token whose SHA-256 is kept here.
    It ends at sign-out or revocation (ended_at), 12 hours after issue, or after 30 idle minutes
    (last_seen_at is moved on at most once a minute)."""

    __tablename__ = "app_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInAddress(Base):
    """Refused sign-in attempts per client address (the account lockout's counterpart per address)."""

    __tablename__ = "sign_in_address"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),)

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScreenSetting(Base):
    """An account's meeting screen settings (the wall's `ecran`), kept here rather than in one server
    process: they survive a reload, a restart or a move to another process, and can be changed from
    another device. Empty fields take the page's defaults."""

    __tablename__ = "screen_setting"
    __table_args__ = (CheckConstraint("seconds > 0", name="seconds"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    seconds: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    since: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id"),
        Index("ix_audit_event_entity_version", "entity", "id"),  # the data versions (queries.areas)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    username: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class ScreenToken(Base):
    """A wall screen's long-lived sign-in (issue 14): an admin creates it for a screen account and sees
    the token once; only its SHA-256 is kept. It signs a device in to the meeting screen only, until
    revoked (revoked_at), which ends every device session opened with it."""

    __tablename__ = "screen_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(60))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScreenSession(Base):
    """A device signed in with a screen token: its screen cookie carries this session's own token
    (SHA-256 here). It lasts while its screen token is not revoked (no idle end: a wall runs all day)."""

    __tablename__ = "screen_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    screen_token_id: Mapped[int] = mapped_column(ForeignKey("screen_token.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
