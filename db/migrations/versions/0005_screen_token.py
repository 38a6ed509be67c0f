"""Screen tokens: a wall screen signed in once, revocably, to the meeting screen only (issue 14).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screen_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=60), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_screen_token_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_screen_token_token_hash'))
    )
    op.create_index(op.f('ix_screen_token_user_id'), 'screen_token', ['user_id'], unique=False)
    op.create_table('screen_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('screen_token_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['screen_token_id'], ['screen_token.id'],
                            name=op.f('fk_screen_session_screen_token_id_screen_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_screen_session_token_hash'))
    )
    op.create_index(op.f('ix_screen_session_screen_token_id'), 'screen_session', ['screen_token_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_screen_session_screen_token_id'), table_name='screen_session')
    op.drop_table('screen_session')
    op.drop_index(op.f('ix_screen_token_user_id'), table_name='screen_token')
    op.drop_table('screen_token')
