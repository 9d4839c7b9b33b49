"""The case record: every step with what was recorded, by whom and when, and what of it the
reporter is told. Built once here from the events; the staff page, the reporter's page and the
API render it. The words come from the route definitions, never from templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from casework.crypto.envelope import DamagedRecord
from casework.i18n import _
from casework.models import Attachment, AuditEvent, Case, CaseEvent, User
from casework.services.audit import Kind
from casework.services.content import DAMAGED
from casework.services.context import Context
from casework.services.vault import KeyDestroyed
from casework.workflow.definitions import FieldSpec, Route
from casework.workflow.texts import choice_words


@dataclass(frozen=True)
class Recorded:
    """One answer given at a step: the field, its question and the answer in words."""

    name: str
    label: str
    value: object
    text: str
    shown_to_reporter: bool
    reporter_label: str = ""  # its heading on the reporter's page, if the route gives one


@dataclass(frozen=True)
class Decision:
    """One step taken on the case and everything recorded with it."""

    transition: str
    label: str
    at: datetime
    actor: str  # reporter | staff | system
    actor_name: str | None
    fields: tuple[Recorded, ...]

    def as_dict(self) -> dict:
        """The API's shape: {transition, at, actor, fields}."""
        return {"transition": self.transition, "label": self.label, "at": self.at,
                "actor": self.actor_name or self.actor,
                "fields": {f.name: f.value for f in self.fields}}


def answer_text(spec: FieldSpec | None, value: object) -> str:
    """An answer in plain words: yes or no, a choice's words, or the text itself."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if spec is not None and spec.type == "choice":
        return choice_words(str(value))
    return str(value)


def _specs(route: Route, event: CaseEvent) -> dict[str, FieldSpec]:
    """The fields a step could have asked for, whoever took it."""
    specs: dict[str, FieldSpec] = {}
    for t in route.transitions_named(event.transition or ""):
        for f in t.requires + tuple(f for _who, extra in t.requires_of for f in extra):
            specs.setdefault(f.name, f)
    return specs


def step_label(route: Route, event: CaseEvent) -> str:
    """A step as staff read it in the record: its label, or, when the reporter took it, what
    the reporter chose (a withdrawal the reporter made is not one a handler recorded)."""
    variants = route.transitions_named(event.transition or "")
    if not variants:
        return event.transition or ""
    if event.actor_kind == "reporter" and variants[0].reporter_label:
        return _("The reporter chose: %(choice)s", choice=variants[0].reporter_label)
    return variants[0].done_label or variants[0].label


def _opened(ctx: Context, case: Case, event: CaseEvent) -> dict:
    if event.fields_ct is None:
        return {}
    try:
        return ctx.vault(case).open_json("event", event.id, event.fields_ct)
    except (DamagedRecord, KeyDestroyed):
        return {"damaged": DAMAGED}


def names_of(ctx: Context, user_ids: set[int]) -> dict[int, str]:
    """Staff names by account id (one query)."""
    if not user_ids:
        return {}
    return dict(ctx.session.execute(select(User.id, User.name).where(
        User.id.in_(sorted(user_ids)))).all())


def _transition_events(ctx: Context, case: Case) -> list[CaseEvent]:
    return list(ctx.session.execute(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition")
        .order_by(CaseEvent.seq)).scalars())


def decisions(ctx: Context, case: Case) -> list[Decision]:
    """Every step taken, with its answers (sealed ones opened) and who took it. The caller
    has opened the case through the access loader and audited the read."""
    route = ctx.route(case.route)
    events = _transition_events(ctx, case)
    names = names_of(ctx, {e.actor_user_id for e in events if e.actor_user_id})
    record = []
    for event in events:
        specs = _specs(route, event)
        answers = {**(event.facts or {}), **_opened(ctx, case, event)}
        asked = {name: n for n, name in enumerate(specs)}  # in the order the step asks
        fields = tuple(
            Recorded(name, specs[name].label if name in specs else name.replace("_", " "),
                     value, answer_text(specs.get(name), value),
                     bool(specs.get(name) and specs[name].shown_to_reporter),
                     specs[name].reporter_label if name in specs else "")
            for name, value in sorted(answers.items(),
                                      key=lambda item: (asked.get(item[0], len(asked)),
                                                        item[0])))
        record.append(Decision(event.transition or "", step_label(route, event), event.at,
                               event.actor_kind, names.get(event.actor_user_id), fields))
    return record


def feedback(ctx: Context, case: Case) -> list[dict]:
    """What the route marks as for the reporter, in the order it was recorded."""
    items = []
    for decision in decisions(ctx, case):
        for answer in decision.fields:
            if answer.shown_to_reporter:
                items.append({"at": decision.at, "text": answer.text,
                              "label": answer.reporter_label or answer.label})
    return items


def withdrawn_by(ctx: Context, case: Case) -> str | None:
    """Who closed the case by withdrawing it: the reporter, or a handler recording it."""
    if case.outcome != "withdrawn":
        return None
    kind = ctx.session.execute(select(CaseEvent.actor_kind).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "transition",
        CaseEvent.transition == "withdraw").order_by(CaseEvent.seq.desc())).scalars().first()
    return "reporter" if kind == "reporter" else "recorded_by_handler"


def first_read_on(ctx: Context, case: Case) -> date | None:
    """The day someone handling the report first opened it (never who)."""
    at = ctx.session.execute(select(func.min(AuditEvent.at)).where(
        AuditEvent.case_id == case.id, AuditEvent.kind == Kind.CASE_VIEW,
        AuditEvent.actor.like("user:%"))).scalar()
    return at.date() if at else None


def reporter_evidence(ctx: Context, case: Case) -> list[dict]:
    """The files the reporter sent: name, size and when (the bytes are never shown back)."""
    vault, files = ctx.vault(case), []
    for row in ctx.session.execute(select(Attachment).where(
            Attachment.case_id == case.id, Attachment.uploaded_by == "reporter")
            .order_by(Attachment.id)).scalars():
        try:
            name = vault.open_json("attachment-meta", row.id, row.meta_ct)["filename"]
        except (DamagedRecord, KeyDestroyed):
            name = DAMAGED
        files.append({"filename": name, "size": row.size, "at": row.at})
    return files
