"""A stand-in for an argon2id hasher that notes, at each hash and verify, whether the request's
unit of work (the edge's session) had a transaction open: key derivation must happen before it
begins (on SQLite a transaction holds the write lock from BEGIN)."""

from __future__ import annotations

from flask import g, has_request_context


class HashSpy:
    """Wraps a real hasher; `calls` holds (method, transaction open?) for each call."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, []

    def _note(self, method: str) -> None:
        ctx = g.get("cw_ctx") if has_request_context() else None
        self.calls.append((method, ctx is not None and ctx.session.in_transaction()))

    def hash(self, *args, **kwargs):
        self._note("hash")
        return self.real.hash(*args, **kwargs)

    def verify(self, *args, **kwargs):
        self._note("verify")
        return self.real.verify(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def spy_on(monkeypatch, module, name: str) -> HashSpy:
    """Put a spy in place of module.name (the module's hasher) for this test."""
    spy = HashSpy(getattr(module, name))
    monkeypatch.setattr(module, name, spy)
    return spy
