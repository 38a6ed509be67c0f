"""Meeting screen settings in the database: several app processes share them (issue 15).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screen_setting',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=True),
    sa.Column('paused', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('seconds > 0', name=op.f('ck_screen_setting_seconds')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_screen_setting_user_id_app_user')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_screen_setting'))
    )


def downgrade() -> None:
    op.drop_table('screen_setting')
