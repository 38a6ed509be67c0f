"""Sign-in hardening: server-side sessions, a failure window on accounts, refusals per client address.

- app_session: one row per signed-in browser session; the sign-in cookie carries a random token whose
  SHA-256 is kept here, so idle expiry (30 minutes) and sign-out end the cookie too.
- app_user.last_failed_at: the moment of the last counted wrong password, so the lockout counts in
  `failed_logins` (one atomic UPDATE) instead of scanning the audit trail.
- sign_in_address: refused attempts per client address, and until when the address is refused.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('app_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_app_session_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_app_session_token_hash'))
    )
    with op.batch_alter_table('app_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_session_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_address',
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_sign_in_address_failures')),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_sign_in_address'))
    )


def downgrade() -> None:
    op.drop_table('sign_in_address')
    with op.batch_alter_table('app_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_session_user_id'))

    op.drop_table('app_session')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('last_failed_at')
