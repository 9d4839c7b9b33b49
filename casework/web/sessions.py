"""Server-side sessions. The cookie carries a random token; the database keeps its SHA-256
digest and the session data sealed with a key derived from the token, so neither the cookie
nor a copy of the database alone reveals what is in a session (such as a receipt waiting to
be shown). Sessions expire when idle and are regenerated at sign-in."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, update
from werkzeug.datastructures import CallbackDict

from casework.crypto import envelope
from casework.models import WebSession
from casework.runtime import Runtime

COOKIE = "casework_session"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)


class ServerSession(CallbackDict, SessionMixin):
    """A session whose data lives on the server; `regenerate()` gives it a new token."""

    def __init__(self, initial=None, token: str | None = None) -> None:
        def on_update(this):
            this.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.previous: str | None = None
        self.modified = False

    def regenerate(self) -> None:
        """A new token (at sign-in), so a session fixed before sign-in is worth nothing."""
        self.previous, self.token = self.token, None
        self.modified = True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(token: str) -> bytes:
    return hashlib.sha256(b"casework-session:" + token.encode()).digest()


class DatabaseSessionInterface(SessionInterface):
    """Sessions in the `web_sessions` table, each write in its own short transaction."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 100:
            return ServerSession()
        with self.runtime.transaction() as db:
            row = db.get(WebSession, _digest(token))
            if row is None or row.expires_at <= self.runtime.clock():
                return ServerSession()
            if row.created_at + ABSOLUTE <= self.runtime.clock():
                return ServerSession()  # signed in too long ago: sign in again
            try:
                data = json.loads(envelope.decrypt(_key(token), row.data_ct, case_id=0,
                                                   kind="session", record_id=row.digest))
            except envelope.DamagedRecord:
                return ServerSession()
        return ServerSession(data, token)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        cookie = dict(httponly=True, samesite="Lax", path="/",
                      secure=app.config.get("SESSION_COOKIE_SECURE") or request.is_secure)
        if not session:
            if session.token or session.previous:
                self._delete(session.token, session.previous)
                response.delete_cookie(COOKIE, path="/")
            return
        if session.token is not None and not session.modified:
            self._touch(session.token)  # a request that only read the session (a page, its
            # styles, a favicon) moves its idle expiry, and never writes back the data it
            # read, which would undo what a request running alongside it wrote (a language)
        else:
            session.token = session.token or secrets.token_urlsafe(32)
            self._store(session)
        response.set_cookie(COOKIE, session.token, **cookie)
        response.vary.add("Cookie")

    def _store(self, session: ServerSession) -> None:
        now = self.runtime.clock()
        digest = _digest(session.token)
        sealed = envelope.encrypt(_key(session.token), json.dumps(dict(session)), case_id=0,
                                  kind="session", record_id=digest)
        with self.runtime.transaction() as db:
            if session.previous:
                db.execute(delete(WebSession).where(
                    WebSession.digest == _digest(session.previous)))
            row = db.get(WebSession, digest)
            if row is None:
                row = WebSession(digest=digest, created_at=now, expires_at=now + IDLE,
                                 data_ct=sealed)
                db.add(row)
            row.data_ct, row.expires_at = sealed, now + IDLE
            row.user_id = session.get("_user_id") and int(session["_user_id"])
        session.previous = None

    def _touch(self, token: str) -> None:
        with self.runtime.transaction() as db:
            db.execute(update(WebSession).where(WebSession.digest == _digest(token))
                       .values(expires_at=self.runtime.clock() + IDLE))

    def _delete(self, *tokens: str | None) -> None:
        digests = [_digest(t) for t in tokens if t]
        with self.runtime.transaction() as db:
            db.execute(delete(WebSession).where(WebSession.digest.in_(digests)))
