"""Case list at scale: cases.next_due_on, indexes led by each list filter, assignments by case

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:00:00

`next_due_on` is the earliest due date of a case's running clocks, kept by the clock service,
so the list can sort by it and find overdue cases from an index instead of a subquery per case.
The (queue, state) index gives way to indexes that each lead with one list filter and end in
the list's order, (opened_at, id). Assignments are indexed by (case, user, ended) instead of
case alone, which the access policy's "assigned to this case now?" matches in full.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_queue_opened": ["queue", "opened_at", "id"],
    "ix_cases_state_opened": ["state", "opened_at", "id"],
    "ix_cases_category_opened": ["category", "opened_at", "id"],
    "ix_cases_next_due": ["next_due_on", "opened_at", "id"],
}

BACKFILL = """
UPDATE cases SET next_due_on = (
    SELECT min(case_clocks.due_on) FROM case_clocks
    WHERE case_clocks.case_id = cases.id AND case_clocks.status = 'running')
WHERE cases.id IN (SELECT case_id FROM case_clocks WHERE status = 'running')
"""


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("next_due_on", sa.Date(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_queue_state")
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_index("ix_assignments_case_id")
        batch_op.create_index("ix_assignments_case_user", ["case_id", "user_id", "ended_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch_op:
        batch_op.drop_index("ix_assignments_case_user")
        batch_op.create_index("ix_assignments_case_id", ["case_id"], unique=False)
    # recreate="never": on SQLite, copying `cases` into a new table would drop the old one,
    # and with foreign keys enforced that deletes every case's keys, events and clocks by
    # cascade. SQLite (3.35 and later) drops an unindexed column in place.
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index("ix_cases_queue_state", ["queue", "state"], unique=False)
        batch_op.drop_column("next_due_on")
