"""The key hierarchy: a key-encryption key (KEK) in the database between the outer key and the
case keys

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 02:00:00

The outer key (outside the database) wraps a KEK kept in `key_encryption_keys`; the KEK wraps
every case key, and `case_keys.key_id` names the KEK instead of the outer key. Rotating the
outer key then rewraps one row, not every case key (casework.services.keys).

Upgrade: with case keys present, a new KEK is made and every case key is moved under it, in
batches of 1,000 (unwrapped with the outer key, wrapped again under the KEK). That needs the
outer key: `casework db upgrade` hands it over (config attribute "key_mover", a
casework.crypto.hierarchy.Mover); without it, and with case keys to move, the upgrade stops
with a message and changes nothing. A database without case keys needs no key: the first KEK
is made when the first case is.

Downgrade: every case key wrapped under a KEK is moved back under the active outer key (the key
is needed again), then the table is dropped. Case keys whose key_id names no KEK are left as
they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 1000
NEEDS_KEY = ("migration 0017 moves the case keys under a key-encryption key and needs the outer "
             "key for that: run `casework db upgrade` where the key file (CASEWORK_KEY_FILE) or "
             "CASEWORK_KEY is available. Nothing was changed.")

case_keys = sa.table("case_keys", sa.column("case_id", sa.Integer()),
                     sa.column("purpose", sa.String()), sa.column("key_id", sa.String()),
                     sa.column("wrapped", sa.LargeBinary()))
keks = sa.table("key_encryption_keys", sa.column("id", sa.String()),
                sa.column("outer_key_id", sa.String()), sa.column("wrapped", sa.LargeBinary()),
                sa.column("active", sa.Boolean()), sa.column("created_at", sa.DateTime(True)),
                sa.column("rekey_after", sa.Integer()))
SET = (sa.update(case_keys)
       .where(case_keys.c.case_id == sa.bindparam("c"), case_keys.c.purpose == sa.bindparam("p"))
       .values(key_id=sa.bindparam("k"), wrapped=sa.bindparam("w")))


def _mover():
    return op.get_context().config.attributes.get("key_mover")


def _batches(bind, *where):
    """The case keys matching `where`, a batch at a time, in key order (keyset paging)."""
    after = None
    while True:
        query = sa.select(case_keys.c.case_id, case_keys.c.purpose, case_keys.c.key_id,
                          case_keys.c.wrapped).where(case_keys.c.wrapped.is_not(None), *where)
        if after is not None:
            query = query.where(sa.tuple_(case_keys.c.case_id, case_keys.c.purpose) > after)
        rows = bind.execute(query.order_by(case_keys.c.case_id, case_keys.c.purpose)
                            .limit(BATCH)).all()
        if not rows:
            return
        yield rows
        after = (rows[-1].case_id, rows[-1].purpose)


def upgrade() -> None:
    op.create_table(
        "key_encryption_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("outer_key_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rekey_after", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_key_encryption_keys"),
        sa.UniqueConstraint("active", name="uq_key_encryption_keys_active"),
    )
    bind = op.get_bind()
    pending = bind.execute(sa.select(sa.func.count()).select_from(case_keys)
                           .where(case_keys.c.wrapped.is_not(None))).scalar()
    if not pending:
        return
    mover = _mover()
    if mover is None:
        raise RuntimeError(NEEDS_KEY)
    kek_id, kek, outer_id, wrapped = mover.new_kek()
    bind.execute(sa.insert(keks).values(id=kek_id, outer_key_id=outer_id, wrapped=wrapped,
                                        active=True, created_at=sa.func.now()))
    for rows in _batches(bind, case_keys.c.key_id != kek_id):
        bind.execute(SET, [{"c": r.case_id, "p": r.purpose, "k": kek_id,
                            "w": mover.outer_to_kek(kek, r.key_id, r.wrapped, r.case_id,
                                                    r.purpose)} for r in rows])


def downgrade() -> None:
    bind = op.get_bind()
    stored = bind.execute(sa.select(keks.c.id, keks.c.outer_key_id, keks.c.wrapped)).all()
    known = {row.id: row for row in stored}
    under = bind.execute(sa.select(sa.func.count()).select_from(case_keys).where(
        case_keys.c.wrapped.is_not(None), case_keys.c.key_id.in_(list(known)))).scalar()
    if under:
        mover = _mover()
        if mover is None:
            raise RuntimeError(NEEDS_KEY.replace("casework db upgrade", "casework db downgrade"))
        opened = {row.id: mover.open_kek(row.outer_key_id, row.id, row.wrapped)
                  for row in stored}
        for rows in _batches(bind, case_keys.c.key_id.in_(list(known))):
            params = []
            for r in rows:
                outer_id, wrapped = mover.kek_to_outer(opened[r.key_id], r.wrapped, r.case_id,
                                                       r.purpose)
                params.append({"c": r.case_id, "p": r.purpose, "k": outer_id, "w": wrapped})
            bind.execute(SET, params)
    op.drop_table("key_encryption_keys")
