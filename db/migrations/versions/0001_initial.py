"""Initial schema: every table of DOMAIN.md, the three axes, and the invariants the database enforces.

Invariants 1 and 2 (no two placements of one unit, or of one household, on the same day) are
exclusion constraints on PostgreSQL (btree_gist, daterange [start, end)) and triggers on SQLite.
The audit trail is append-only on both engines.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('axis',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name_fr', sa.String(length=200), nullable=False),
    sa.Column('name_nl', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.CheckConstraint('id BETWEEN 1 AND 3', name=op.f('ck_axis_id_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis')),
    sa.UniqueConstraint('code', name=op.f('uq_axis_code'))
    )
    op.create_table('contribution_scale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('income_status', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('minimum', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('maximum', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("income_status IN ('no_income', 'integration_income', 'replacement_income', 'employment_income')", name=op.f('ck_contribution_scale_income_status')),
    sa.CheckConstraint("rule <> 'fixed' OR amount IS NOT NULL", name=op.f('ck_contribution_scale_fixed_has_amount')),
    sa.CheckConstraint("rule <> 'percent_of_income' OR percent IS NOT NULL", name=op.f('ck_contribution_scale_percent_has_percent')),
    sa.CheckConstraint("rule IN ('fixed', 'percent_of_income')", name=op.f('ck_contribution_scale_rule')),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_contribution_scale_amount')),
    sa.CheckConstraint('maximum IS NULL OR maximum >= 0', name=op.f('ck_contribution_scale_maximum')),
    sa.CheckConstraint('minimum IS NULL OR maximum IS NULL OR minimum <= maximum', name=op.f('ck_contribution_scale_minimum_le_maximum')),
    sa.CheckConstraint('minimum IS NULL OR minimum >= 0', name=op.f('ck_contribution_scale_minimum')),
    sa.CheckConstraint('percent IS NULL OR (percent >= 0 AND percent <= 100)', name=op.f('ck_contribution_scale_percent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_scale')),
    sa.UniqueConstraint('income_status', 'effective_from', name='uq_contribution_scale_status_from')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("kind IN ('partner', 'housing_operator', 'manager', 'funder')", name=op.f('ck_organisation_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name')),
    sa.UniqueConstraint('short_name', name=op.f('uq_organisation_short_name'))
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=2), server_default='fr', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sessions_valid_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("language IN ('fr', 'nl', 'en')", name=op.f('ck_app_user_language')),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'director', 'screen')", name=op.f('ck_app_user_role')),
    sa.CheckConstraint('failed_logins >= 0', name=op.f('ck_app_user_failed_logins')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_app_user_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('axis_operator',
    sa.Column('axis_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['axis_id'], ['axis.id'], name=op.f('fk_axis_operator_axis_id_axis')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_axis_operator_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('axis_id', 'organisation_id', name=op.f('pk_axis_operator'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('commune', sa.String(length=100), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('location_approximate', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('housing_operator_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('latitude IS NULL OR latitude BETWEEN -90 AND 90', name=op.f('ck_site_latitude')),
    sa.CheckConstraint('longitude IS NULL OR longitude BETWEEN -180 AND 180', name=op.f('ck_site_longitude')),
    sa.ForeignKeyConstraint(['housing_operator_id'], ['organisation.id'], name=op.f('fk_site_housing_operator_id_organisation')),
    sa.ForeignKeyConstraint(['manager_id'], ['organisation.id'], name=op.f('fk_site_manager_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('name', name=op.f('uq_site_name'))
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_housing_operator_id'), ['housing_operator_id'], unique=False)

    op.create_table('convention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('planned_end_date', sa.Date(), nullable=False),
    sa.Column('actual_end_date', sa.Date(), nullable=True),
    sa.Column('units_planned', sa.Integer(), nullable=False),
    sa.Column('closure_reason', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('actual_end_date IS NULL OR actual_end_date >= start_date', name=op.f('ck_convention_actual_end_after_start')),
    sa.CheckConstraint('planned_end_date >= start_date', name=op.f('ck_convention_planned_end_after_start')),
    sa.CheckConstraint('units_planned >= 0', name=op.f('ck_convention_units_planned')),
    sa.ForeignKeyConstraint(['operator_id'], ['organisation.id'], name=op.f('fk_convention_operator_id_organisation')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_convention_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_convention'))
    )
    with op.batch_alter_table('convention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_convention_site_id'), ['site_id'], unique=False)

    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('axis_id', sa.Integer(), nullable=False),
    sa.Column('referent_organisation_id', sa.Integer(), nullable=False),
    sa.Column('administrative_status', sa.String(length=20), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('follow_up_ended_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("administrative_status IN ('regular', 'irregular', 'pending', 'unknown')", name=op.f('ck_household_administrative_status')),
    sa.CheckConstraint('adults >= 1', name=op.f('ck_household_adults')),
    sa.CheckConstraint('children >= 0', name=op.f('ck_household_children')),
    sa.CheckConstraint('follow_up_ended_on IS NULL OR follow_up_ended_on >= referred_on', name=op.f('ck_household_follow_up_end')),
    sa.ForeignKeyConstraint(['axis_id', 'referent_organisation_id'], ['axis_operator.axis_id', 'axis_operator.organisation_id'], name='fk_household_axis_operator'),
    sa.ForeignKeyConstraint(['axis_id'], ['axis.id'], name=op.f('fk_household_axis_id_axis')),
    sa.ForeignKeyConstraint(['referent_organisation_id'], ['organisation.id'], name=op.f('fk_household_referent_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('reference', name=op.f('uq_household_reference'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_axis_referent', ['axis_id', 'referent_organisation_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('bedrooms', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('reserved_for_organisation_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('bedrooms >= 0', name=op.f('ck_unit_bedrooms')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_unit_capacity')),
    sa.ForeignKeyConstraint(['reserved_for_organisation_id'], ['organisation.id'], name=op.f('fk_unit_reserved_for_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_unit_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('site_id', 'label', name='uq_unit_site_label')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_site_id'), ['site_id'], unique=False)

    op.create_table('contribution_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('income_status', sa.String(length=40), nullable=False),
    sa.Column('monthly_income', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('monthly_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('override_reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint("income_status IN ('no_income', 'integration_income', 'replacement_income', 'employment_income')", name=op.f('ck_contribution_status_income_status')),
    sa.CheckConstraint('monthly_amount >= 0', name=op.f('ck_contribution_status_monthly_amount')),
    sa.CheckConstraint('monthly_income IS NULL OR monthly_income >= 0', name=op.f('ck_contribution_status_monthly_income')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_contribution_status_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_status')),
    sa.UniqueConstraint('household_id', 'effective_from', name='uq_contribution_status_household_from')
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('period_month', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.CheckConstraint("method IN ('transfer', 'cash', 'direct_debit', 'other')", name=op.f('ck_payment_method')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payment_amount')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_payment_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index('ix_payment_household_period', ['household_id', 'period_month'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('exit_destination', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("exit_destination IS NULL OR exit_destination IN ('durable_social_housing', 'durable_private_housing', 'housing_first', 'other_issue_unit', 'other_temporary_housing', 'emergency_shelter', 'care_institution', 'prison', 'street', 'deceased', 'unknown')", name=op.f('ck_placement_exit_destination')),
    sa.CheckConstraint('end_date IS NULL OR end_date > start_date', name=op.f('ck_placement_end_after_start')),
    sa.CheckConstraint('exit_destination IS NULL OR end_date IS NOT NULL', name=op.f('ck_placement_exit_needs_end')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_placement_household_id_household')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_placement_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index('ix_placement_household_dates', ['household_id', 'start_date'], unique=False)
        batch_op.create_index('ix_placement_unit_dates', ['unit_id', 'start_date'], unique=False)

    op.create_table('unit_unavailability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('end_date IS NULL OR end_date > start_date', name=op.f('ck_unit_unavailability_end_after_start')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_unavailability_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_unavailability'))
    )
    with op.batch_alter_table('unit_unavailability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_unavailability_unit_id'), ['unit_id'], unique=False)

    _insert_axes()
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_invariants()
    else:
        _sqlite_invariants()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS issue_audit_append_only()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('unit_unavailability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_unavailability_unit_id'))

    op.drop_table('unit_unavailability')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_unit_dates')
        batch_op.drop_index('ix_placement_household_dates')

    op.drop_table('placement')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_household_period')

    op.drop_table('payment')
    op.drop_table('contribution_status')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_site_id'))

    op.drop_table('unit')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_axis_referent')

    op.drop_table('household')
    with op.batch_alter_table('convention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_convention_site_id'))

    op.drop_table('convention')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_housing_operator_id'))

    op.drop_table('site')
    op.drop_table('axis_operator')
    op.drop_table('app_user')
    op.drop_table('organisation')
    op.drop_table('contribution_scale')
    op.drop_table('axis')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity')

    op.drop_table('audit_event')


AXES = [
    (1, "insertion", "Insertion par le logement via un coaching intensif",
     "Inschakeling via huisvesting met intensieve coaching", "Housing-led integration through intensive coaching"),
    (2, "respite", "Répit, repos et ouverture de droits",
     "Respijt, rust en openen van rechten", "Respite, rest and access to rights"),
    (3, "housing_first", "Transit vers un logement de type Housing First",
     "Transit naar een Housing First-woning", "Transit towards Housing First housing"),
]


def _insert_axes() -> None:
    axis = sa.table(
        "axis",
        sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name_fr", sa.String),
        sa.column("name_nl", sa.String), sa.column("name_en", sa.String),
    )
    op.bulk_insert(axis, [dict(zip(("id", "code", "name_fr", "name_nl", "name_en"), row)) for row in AXES])


def _postgresql_invariants() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE placement ADD CONSTRAINT ex_placement_unit_overlap "
        "EXCLUDE USING gist (unit_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
    )
    op.execute(
        "ALTER TABLE placement ADD CONSTRAINT ex_placement_household_overlap "
        "EXCLUDE USING gist (household_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
    )
    op.execute(
        """
        CREATE FUNCTION issue_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event_append_only';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION issue_audit_append_only()"
    )


# Dates are ISO text on SQLite, so text comparison orders them; an open end is the far future.
_OVERLAP = """
    EXISTS (SELECT 1 FROM placement AS other
            WHERE other.{column} = NEW.{column} {not_self}
              AND other.start_date < COALESCE(NEW.end_date, '9999-12-31')
              AND NEW.start_date < COALESCE(other.end_date, '9999-12-31'))
"""

SQLITE_TRIGGERS = [
    "placement_unit_overlap_insert",
    "placement_unit_overlap_update",
    "placement_household_overlap_insert",
    "placement_household_overlap_update",
    "audit_event_no_update",
    "audit_event_no_delete",
]


def _sqlite_invariants() -> None:
    for column, message in (("unit_id", "ex_placement_unit_overlap"), ("household_id", "ex_placement_household_overlap")):
        kind = "unit" if column == "unit_id" else "household"
        for event, not_self in (("INSERT", ""), ("UPDATE", "AND other.id <> NEW.id")):
            condition = _OVERLAP.format(column=column, not_self=not_self)
            op.execute(
                f"CREATE TRIGGER placement_{kind}_overlap_{event.lower()} BEFORE {event} ON placement "
                f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    op.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event_append_only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event_append_only'); END"
    )
