"""Case list counts at a million cases: the access filter's lookups once per statement

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 06:30:00

A list's capped count reads up to 10,001 cases through the access filter. The lodged-date index
now also holds each case's queue and whether it was purged, so that count reads no table row;
and a person-led index on case parties finds the cases someone is implicated in with one range,
looked up once per statement rather than once per case (services/access/cases.py). Building
them on PostgreSQL locks writes to `cases` for as long as it runs (docs/OPERATIONS.md, "Large
case lists").
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_opened_reach", "cases",
                    ["opened_at", "id", "queue", "purged_at"], unique=False)
    op.drop_index("ix_cases_opened", table_name="cases")
    op.create_index("ix_case_parties_person", "case_parties",
                    ["person_index", "kind", "case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_parties_person", table_name="case_parties")
    op.create_index("ix_cases_opened", "cases", ["opened_at", "id"], unique=False)
    op.drop_index("ix_cases_opened_reach", table_name="cases")
