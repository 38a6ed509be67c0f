"""The stays, kept by the database: table `stay` and its triggers on placement (issue 13).

A stay chains a household's placements across transfers. The length of stay (the caseloads page) and the
period report's stays chained every placement of the households placed in the period at each read, with two
window functions: at sector scale (257,171 placements, 87,311 stays meeting a year) 430 ms of SQLite's time, the
longest read of the caseloads page. The table holds each stay once; triggers compute a household's stays again
when one of its placements is written, whoever writes (issue_core.stays, which compiles
metrics.flows.stays_query, the rule of a stay, for each engine).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from issue_core import stays

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stay',
    sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('placements', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'start_date', name=op.f('pk_stay'))
    )
    connection = op.get_bind()
    for statement in stays.create_statements(connection):
        op.execute(statement)
    stays.fill(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for statement in stays.drop_statements(connection):
        op.execute(statement)
    op.drop_table('stay')
