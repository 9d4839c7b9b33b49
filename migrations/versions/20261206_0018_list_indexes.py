"""Case list at a million cases: an index for the route filter, one per filter for the "next
due" order, and one that answers the access filter's implicated check for each listed case

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 02:00:00

Each filter the case list offers (route, stage, queue, category) leads an index that ends in
each of the list's orders: (opened_at, id) for newest and oldest first (the route had none, so
its list read the whole lodged-date index), and (next_due_on, opened_at, id) for soonest due
first (which otherwise sorted every matching case before showing 25). Keyset pages ("Next
page", `after=`) start inside these indexes, so a deep page reads what the first one does.
Building them on PostgreSQL takes a write lock on `cases` for as long as it runs, which grows
with the table (docs/OPERATIONS.md, "Large case lists").
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_route_opened": ["route", "opened_at", "id"],
    "ix_cases_route_due": ["route", "next_due_on", "opened_at", "id"],
    "ix_cases_state_due": ["state", "next_due_on", "opened_at", "id"],
    "ix_cases_queue_due": ["queue", "next_due_on", "opened_at", "id"],
    "ix_cases_category_due": ["category", "next_due_on", "opened_at", "id"],
}


#: The access filter's "is this person implicated in the case?", asked of every row a list or
#: its capped count reads, answered from the index alone.
PARTIES = ("ix_case_parties_case_person", ["case_id", "person_index", "kind"])


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns, unique=False)
    op.create_index(PARTIES[0], "case_parties", PARTIES[1], unique=False)


def downgrade() -> None:
    op.drop_index(PARTIES[0], table_name="case_parties")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="cases")
