"""The first key-encryption key is made with the first case; two processes making it at the
same moment end with one (the unique `active` column), and both use that one."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from casework.crypto import hierarchy
from casework.models import KeyEncryptionKey

KEK = KeyEncryptionKey


def test_the_first_case_makes_the_first_kek_and_the_next_reuse_it(ctx, make):
    ctx.session.execute(delete(KEK))
    first = make.lodge("disclosure").case
    second = make.lodge("disclosure").case
    [kek] = ctx.session.execute(select(KEK)).scalars().all()
    assert kek.active and kek.outer_key_id == ctx.runtime.keyring.active_id
    assert {k.key_id for k in first.keys + second.keys} == {kek.id}


def test_only_one_kek_can_be_active(ctx, runtime):
    ctx.session.execute(delete(KEK))
    runtime.active_kek(ctx.session)
    kek_id, kek = hierarchy.new_kek()
    outer_id, wrapped = hierarchy.wrap_kek(runtime.keyring, kek_id, kek)
    with pytest.raises(IntegrityError), ctx.session.begin_nested():
        ctx.session.add(KEK(id=kek_id, outer_key_id=outer_id, wrapped=wrapped, active=True,
                            created_at=runtime.clock()))


def test_a_first_kek_made_by_another_process_at_the_same_moment_is_used(ctx, runtime,
                                                                         monkeypatch):
    ctx.session.execute(delete(KEK))
    real = hierarchy.new_kek
    theirs = {}

    def another_process_first():  # between our look (none) and our insert, theirs lands
        kek_id, kek = real()
        outer_id, wrapped = hierarchy.wrap_kek(runtime.keyring, kek_id, kek)
        ctx.session.add(KEK(id=kek_id, outer_key_id=outer_id, wrapped=wrapped, active=True,
                            created_at=runtime.clock()))
        ctx.session.flush()
        theirs.update(id=kek_id, kek=kek)
        return real()

    monkeypatch.setattr(hierarchy, "new_kek", another_process_first)
    runtime.keks.clear()
    kek_id, kek = runtime.active_kek(ctx.session)
    assert (kek_id, kek) == (theirs["id"], theirs["kek"])
    assert ctx.session.execute(select(func.count()).select_from(KEK)).scalar() == 1
