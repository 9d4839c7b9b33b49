"""Statistics facts on the case: the quarter received, whole days to acknowledge and to close

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:00:00

A release counts cases by calendar quarter of the organisation's days. Working that quarter
out from `opened_at` for every row cost a third more than the plain GROUP BY on PostgreSQL
(bench/bench_stats.py), and the days to acknowledge and to close cost eight times as much, so
each is now a number fixed on the case when it happens (casework.stats.facts).

The columns stay nullable: on SQLite, making them NOT NULL would copy the `cases` table, and
dropping the old one deletes every case's keys, events and clocks by cascade (see 0004). The
application always sets them; this backfill sets them for the cases already there.

The quarter depends on the organisation's time zone. `casework db upgrade` passes the policy
pack's (casework.migrate.upgrade); run any other way, the backfill takes UTC.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Whole days from opened_at to a later timestamp, rounded down, on each database.
DAYS = {
    "postgresql": "CAST(floor(extract(epoch from ({end} - opened_at)) / 86400) AS INTEGER)",
    # julianday is a float: round to whole seconds first, so two days is never 1.99999 days.
    "sqlite": "CAST(CAST((julianday({end}) - julianday(opened_at)) * 86400 + 0.5 AS INTEGER)"
              " / 86400 AS INTEGER)",
}


def _quarters(first: date, last: date):
    """Every calendar quarter from the one holding first to the one holding last."""
    year, quarter = first.year, (first.month - 1) // 3
    while date(year, quarter * 3 + 1, 1) <= last:
        start = date(year, quarter * 3 + 1, 1)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
        yield start, date(year, quarter * 3 + 1, 1)


def _backfill_quarters(conn) -> None:
    zone = ZoneInfo(context.config.attributes.get("timezone") or "UTC")
    cases = sa.table("cases", sa.column("opened_at", sa.DateTime(timezone=True)),
                     sa.column("received_quarter", sa.Integer))
    first, last = conn.execute(sa.select(sa.func.min(cases.c.opened_at),
                                         sa.func.max(cases.c.opened_at))).one()
    if first is None:
        return
    first, last = (m if m.tzinfo else m.replace(tzinfo=UTC) for m in (first, last))
    for start, end in _quarters(first.astimezone(zone).date(), last.astimezone(zone).date()):
        since, until = (datetime.combine(d, time(0), zone).astimezone(UTC) for d in (start, end))
        conn.execute(cases.update()
                     .where(cases.c.opened_at >= since, cases.c.opened_at < until)
                     .values(received_quarter=start.year * 10 + (start.month - 1) // 3 + 1))


def upgrade() -> None:
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("received_quarter", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days_to_acknowledge", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days_to_close", sa.Integer(), nullable=True))
    conn = op.get_bind()
    _backfill_quarters(conn)
    days = DAYS[conn.dialect.name]
    for column, end in (("days_to_acknowledge", "acknowledged_at"),
                        ("days_to_close", "closed_at")):
        op.execute(f"UPDATE cases SET {column} = {days.format(end=end)} "  # noqa: S608
                   f"WHERE {end} IS NOT NULL")  # (constant names, no input)
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.create_index("ix_cases_received_quarter", ["received_quarter"], unique=False)


def downgrade() -> None:
    # recreate="never": see 0004 (copying `cases` on SQLite would cascade-delete its children).
    with op.batch_alter_table("cases", recreate="never") as batch_op:
        batch_op.drop_index("ix_cases_received_quarter")
        batch_op.drop_column("days_to_close")
        batch_op.drop_column("days_to_acknowledge")
        batch_op.drop_column("received_quarter")
