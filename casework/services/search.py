"""Word search over sealed case text: a keyed blind index of normalised words, and titles.

A case's own text (the report's summary and details, the reporter's correction of a record
staff wrote, and the handler's title) is sealed; to find a case by a word without keeping the
word, every distinct word is normalised (lower case, accents folded, stop-words dropped) and
stored only as a keyed token: HMAC-SHA256 under a key derived from the keyring (outside the
database) for the purpose "search-words", cut to 128 bits. One row per (case, token).

What that leaks to someone holding the database but not the keyring (docs/PROTECTIONS.md):
which cases share a word (equal tokens), how many distinct words each case has, and how
often a token occurs across cases; never the words themselves. Exact words only: "harass"
does not find "harassment".

One writer, `reindex_case`, called wherever that text is written: lodging (web, API, CLI,
demo: all go through `reports.lodge_report`), the reporter's correction (`records`), a new
title (`set_title`), and `rebuild` (the `casework search rebuild` command, after the keyring's
index key changes or to repair the index). Retention deletes a purged case's tokens.

The title is sealed under a key derived from the keyring too ("case-titles"), not the case's
own content key: lists show titles of 25 cases without unwrapping 25 case keys, and without a
content read of each. It is meant to carry no name ("Procurement concern, depot B"), but a
handler might write one anyway, so it is never kept in clear; retention clears it with the
content.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join

from casework.crypto import envelope
from casework.crypto.envelope import DamagedRecord
from casework.crypto.keys import Keyring
from casework.i18n import _
from casework.models import Case, CaseEvent, CaseParty, CaseWord, Person
from casework.services.access import Action, Staff, open_case, visible_filter
from casework.services.audit import Kind
from casework.services.context import Context
from casework.services.errors import Invalid
from casework.services.vault import KeyDestroyed, person_index

WORDS_PURPOSE, TITLE_PURPOSE = "search-words", "case-titles"
TOKEN_HEX = 32  # 128 bits: collisions are out of reach at any number of words
MAX_TITLE = 80
#: Most words a search may ask for (each is one more index lookup).
MAX_TERMS = 8
#: Words too common to mean anything in a search (English; the reports are in English).
_STOP = """
a an and are as at be been but by did do does for from had has have he her his i if in into is
it its me my no not of on or our she so than that the their them then there these they this to
us was we were what when where which who will with you your
"""
STOP_WORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[^\W_]+")


def normalise(text: str | None) -> list[str]:
    """The distinct search words of a text, in order: lower case, accents folded, split on
    anything but letters and digits, stop-words dropped."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return list(dict.fromkeys(w for w in _WORD.findall(plain) if w not in STOP_WORDS))


def token(keyring: Keyring, word: str) -> str:
    """The keyed token that stands for one normalised word."""
    return hmac.new(keyring.derive(WORDS_PURPOSE), word.encode("utf-8"),
                    hashlib.sha256).hexdigest()[:TOKEN_HEX]


def tokens(keyring: Keyring, texts: Iterable[str | None]) -> set[str]:
    """The tokens of every word in these texts."""
    key = keyring.derive(WORDS_PURPOSE)
    return {hmac.new(key, w.encode("utf-8"), hashlib.sha256).hexdigest()[:TOKEN_HEX]
            for text in texts for w in normalise(text)}


def query_tokens(ctx: Context, words: str | None) -> list[str]:
    """The tokens a search for these words looks up (all must match); 422 if too many."""
    found = normalise(words)
    if len(found) > MAX_TERMS:
        raise Invalid(_("Too many words."), {"q": _("search for at most %(limit)s words",
                                                    limit=MAX_TERMS)})
    return [token(ctx.runtime.keyring, w) for w in found]


#: A token's share of cases, which chooses the plan (never the results), is read from its rows
#: among the newest SAMPLE case ids: one short range of the (token, case_id) key, at most SAMPLE
#: rows however many cases there are (bench/bench_search.py).
SAMPLE = 20_000
#: Gathering one case from a token's rows (find the case, check it, sort the matches) costs
#: about this many steps of walking the list in its own order and probing the token key.
GATHER_COST = 2


@dataclass(frozen=True)
class WordSearch:
    """The tokens a search asks for, rarest first, with each one's share of the cases (from
    the sample), and the two ways to find the cases holding them all:

    - gather: read the rarest token's rows, probe the others by key (EXISTS on (token,
      case_id)), then sort; costs about the rarest token's count of cases;
    - walk: walk the list in its own order (an index ending in it) and probe every token by
      key for each case; costs about the page's depth divided by the share holding them all.

    The page takes the cheaper by those estimates (`gathers`); a count always gathers,
    reading the rarest token's rows only until it has enough. Both plans give the same
    cases: only the order in which the database finds them differs."""

    tokens: tuple[str, ...]
    shares: tuple[float, ...]
    cases: int

    def gathered(self) -> float:
        """About how many rows gathering reads: the rarest token's cases."""
        return self.shares[0] * self.cases

    def walked(self, need: int) -> float:
        """About how many cases a walk reads to find `need` matches (independent words)."""
        share = 1.0
        for s in self.shares:
            share *= s
        return need / share if share else float("inf")

    def gathers(self, need: int) -> bool:
        """Whether the page is found by gathering (else by walking the list)."""
        return GATHER_COST * self.gathered() <= self.walked(need)

    @staticmethod
    def probes(tokens: Iterable[str]) -> list[ColumnElement[bool]]:
        """One key lookup per token and case (aliased: `gather` reads case_words too)."""
        probed = []
        for t in tokens:
            word = aliased(CaseWord)
            probed.append(exists().where(word.token == t, word.case_id == Case.id))
        return probed

    def walk(self, query: Select, where: Sequence[ColumnElement[bool]]) -> Select:
        """The query walking the list, every token probed by key for each case (the probes
        come first: one key lookup rules out most cases before the access checks)."""
        return query.where(*self.probes(self.tokens), *where)

    def gather(self, query: Select, where: Sequence[ColumnElement[bool]]) -> Select:
        """The query read from the rarest token's rows (a join that streams, so a capped
        count stops once it has enough), the other tokens probed by key."""
        return query.select_from(_Leading(CaseWord.__table__, Case.__table__,
                                          Case.id == CaseWord.case_id)).where(
            CaseWord.token == self.tokens[0], *self.probes(self.tokens[1:]), *where)


class _Leading(Join):
    """A join read from its left side: SQLite's CROSS JOIN fixes that order (else SQLite may
    walk an index on cases and probe the tokens, which is the walk); PostgreSQL, which has
    the tokens' statistics, plans a plain join."""

    inherit_cache = True


@compiles(_Leading, "sqlite")
def _cross_join(element, compiler, **kw):
    return compiler.visit_join(element, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def word_search(ctx: Context, found: Sequence[str]) -> WordSearch | None:
    """The plan's facts for these tokens (None for none): each one's share of the newest
    SAMPLE case ids, ordered rarest first."""
    if not found:
        return None
    top = ctx.session.execute(select(func.max(Case.id))).scalar() or 0
    span = max(min(SAMPLE, top), 1)
    shares = {t: ctx.session.execute(select(func.count()).select_from(CaseWord).where(
        CaseWord.token == t, CaseWord.case_id > top - span)).scalar_one() / span
        for t in dict.fromkeys(found)}
    ordered = sorted(shares, key=shares.__getitem__)
    return WordSearch(tuple(ordered), tuple(shares[t] for t in ordered), top)


def implicated_clause(ctx: Context, person_id: int) -> ColumnElement[bool]:
    """Cases in which this directory person is implicated (never the claimed reporter), from
    the blind index of implicated people."""
    index = person_index(ctx.runtime.keyring, person_id)
    return Case.id.in_(select(CaseParty.case_id).where(
        CaseParty.kind == "implicated", CaseParty.person_index == index))


def case_texts(ctx: Context, case: Case) -> list[str]:
    """The case's own words as sealed: report summary and details, the reporter's corrections,
    the title. Unreadable parts (a damaged record, a destroyed key) are left out."""
    texts: list[str] = []
    vault = ctx.vault(case)
    try:
        if case.content_ct is not None:
            content = vault.open_json("case", case.id, case.content_ct)
            texts += [content.get("summary"), content.get("details")]
        for event in ctx.session.execute(select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "record_corrected",
                CaseEvent.fields_ct.is_not(None))).scalars():
            texts.append(vault.open_json("event", event.id, event.fields_ct).get("correction"))
    except (DamagedRecord, KeyDestroyed):
        pass
    return [t for t in texts + [read_title(ctx, case)] if t]


def reindex_case(ctx: Context, case: Case) -> int:
    """Write the case's tokens afresh from its sealed text (the index's only writer); returns
    how many distinct tokens it holds now."""
    ctx.session.flush()
    found = sorted(tokens(ctx.runtime.keyring, case_texts(ctx, case)))
    ctx.session.execute(delete(CaseWord).where(CaseWord.case_id == case.id))
    if found:
        ctx.session.execute(insert(CaseWord), [{"token": t, "case_id": case.id} for t in found])
    return len(found)


def rebuild_batch(ctx: Context, after: int = 0, batch: int = 500) -> tuple[int, int | None]:
    """Index again the next `batch` cases with an id above `after` (each case's old tokens,
    under whatever key, are replaced): how many, and the last id (None when none were left).
    A purged case keeps no tokens (retention deletes them)."""
    cases = list(ctx.session.execute(select(Case).where(
        Case.id > after, Case.purged_at.is_(None)).order_by(Case.id).limit(batch)).scalars())
    for case in cases:
        reindex_case(ctx, case)
    ctx.session.flush()
    return len(cases), (cases[-1].id if cases else None)


def rebuild(ctx: Context, batch: int = 500) -> int:
    """Index every case again in this transaction; how many (the CLI commits per batch)."""
    done, last = 0, 0
    while True:
        count, last = rebuild_batch(ctx, last, batch)
        if last is None:
            return done
        done += count


def _title_key(ctx: Context) -> bytes:
    return ctx.runtime.keyring.derive(TITLE_PURPOSE)


def read_title(ctx: Context, case: Case) -> str | None:
    """The case's title, or None (no title, or a damaged one)."""
    return titles(ctx, [(case.id, case.title_ct)]).get(case.id)


def titles(ctx: Context, rows: Iterable[tuple[int, bytes | None]]) -> dict[int, str]:
    """Titles of (case id, sealed title) pairs, for a list; damaged ones left out."""
    key, shown = _title_key(ctx), {}
    for case_id, blob in rows:
        if blob is None:
            continue
        try:
            shown[case_id] = envelope.decrypt_text(key, blob, case_id=case_id, kind="title",
                                                   record_id=case_id)
        except DamagedRecord:
            continue
    return shown


@dataclass(frozen=True)
class Titled:
    """A case's title after a change, and the version a next change must send."""

    reference: str
    title: str | None
    version: int


def set_title(ctx: Context, actor: Staff, reference: str, title: str | None,
              version: int | None = None) -> Titled:
    """The handler gives the case a short title (empty: none); sealed, indexed, audited."""
    case = open_case(ctx, actor, reference, Action.TITLE, version)
    text = " ".join((title or "").split())
    if len(text) > MAX_TITLE:
        raise Invalid(_("Too long."), {"title": _("must be at most %(limit)s characters",
                                                  limit=MAX_TITLE)})
    case.title_ct = envelope.encrypt(_title_key(ctx), text, case_id=case.id, kind="title",
                                     record_id=case.id) if text else None
    ctx.session.flush()
    reindex_case(ctx, case)
    ctx.audit(Kind.CASE_TITLE, actor.label, case_id=case.id, cleared=not text)
    return Titled(case.reference, text or None, case.version)


@dataclass(frozen=True)
class AlsoNamed:
    """A directory person implicated in this case, and the other cases naming them that the
    viewer may open."""

    person_id: int
    name: str
    count: int
    references: tuple[str, ...]


def also_named(ctx: Context, actor: Staff, reference: str, limit: int = 20) -> list[AlsoNamed]:
    """For each directory person implicated in this case, the other cases (that this actor
    can open, and only those) in which they are implicated too, newest first."""
    case = open_case(ctx, actor, reference)
    indexes = set(ctx.session.execute(select(CaseParty.person_index).where(
        CaseParty.case_id == case.id, CaseParty.kind == "implicated",
        CaseParty.person_index.is_not(None))).scalars())
    if not indexes:
        return []
    keyring, found = ctx.runtime.keyring, []
    for person in ctx.session.execute(select(Person).order_by(Person.name, Person.id)).scalars():
        index = person_index(keyring, person.id)
        if index not in indexes:
            continue
        others = select(Case.reference).where(
            visible_filter(actor), Case.id != case.id,
            Case.id.in_(select(CaseParty.case_id).where(
                CaseParty.kind == "implicated", CaseParty.person_index == index)))
        count = ctx.session.execute(select(func.count()).select_from(
            others.subquery())).scalar_one()
        if count:
            refs = ctx.session.execute(others.order_by(
                Case.opened_at.desc(), Case.id.desc()).limit(limit)).scalars().all()
            found.append(AlsoNamed(person.id, person.name, count, tuple(refs)))
    return found
